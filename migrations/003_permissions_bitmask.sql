-- Module permissions as one integer per user, as Open-Xchange keeps them
-- (user_configuration.permissions), instead of one row per user and module: a user's
-- groupware row is one row, and a batch of users costs the same statements whatever
-- the modules. The bits are Open-Xchange's own (com.openexchange.groupware.
-- userconfiguration.UserConfiguration); the two modules of the paper that have no bit
-- there get oxprov's own, above Open-Xchange's 32 bits, so that a mask written by
-- Open-Xchange's tools is never misread. src/model/modules.ts holds the same map (a test keeps them equal).

ALTER TABLE modules ADD COLUMN bit bigint;
UPDATE modules SET bit = CASE name
  WHEN 'webmail'         THEN 1           -- WEBMAIL
  WHEN 'calendar'        THEN 2           -- CALENDAR
  WHEN 'contacts'        THEN 4           -- CONTACTS
  WHEN 'tasks'           THEN 8           -- TASKS
  WHEN 'documents'       THEN 16          -- INFOSTORE
  WHEN 'projects'        THEN 32          -- PROJECTS
  WHEN 'forum'           THEN 64          -- FORUM
  WHEN 'pinboard'        THEN 128         -- PINBOARD_WRITE_ACCESS
  WHEN 'bookmarks'       THEN 4096        -- RSS_BOOKMARKS
  WHEN 'knowledge'       THEN 4294967296  -- oxprov's own (2^32)
  WHEN 'pinboard_public' THEN 8589934592  -- oxprov's own (2^33)
END;
ALTER TABLE modules ALTER COLUMN bit SET NOT NULL;
ALTER TABLE modules ADD CONSTRAINT modules_bit_unique UNIQUE (bit);
ALTER TABLE modules ADD CONSTRAINT modules_bit_single CHECK (bit > 0 AND (bit & (bit - 1)) = 0);

-- NULL: no permissions recorded yet (a row whose module rows were never written); the next
-- provisioning of the user completes it, as it completed missing module rows before.
ALTER TABLE users ADD COLUMN permissions bigint;

-- In place: a module a user had a row for keeps its setting; a module without a row
-- was to be completed as enabled, and is.
UPDATE users u SET permissions = p.mask
FROM (
  SELECT um.user_id,
         (SELECT coalesce(sum(m.bit), 0) FROM modules m)
           - coalesce(sum(m.bit) FILTER (WHERE NOT um.enabled), 0) AS mask
  FROM user_modules um JOIN modules m ON m.name = um.module
  GROUP BY um.user_id
) p
WHERE p.user_id = u.id;

DROP TABLE user_modules;

-- The modules of each user, one row each, for reports, showuser and SQL by hand.
CREATE VIEW user_modules AS
  SELECT u.id AS user_id, m.name AS module, (u.permissions & m.bit) <> 0 AS enabled
  FROM users u CROSS JOIN modules m
  WHERE u.permissions IS NOT NULL;
