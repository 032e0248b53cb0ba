-- The groupware database of the whitepaper (chapters 2.2 and 5.2.1): users and
-- their settings, module permissions, groups, resources and each user's default
-- folders with the owner's permissions.

CREATE TABLE users (
  id                      serial PRIMARY KEY,
  username                text NOT NULL UNIQUE,
  uid_number              integer,
  display_name            text,
  mail                    text,
  language                text NOT NULL DEFAULT 'EN',
  timezone                text NOT NULL DEFAULT 'Europe/Berlin',
  country                 text,
  activated               boolean NOT NULL DEFAULT true,
  change_password         boolean NOT NULL DEFAULT false,
  global_addressbook_write boolean NOT NULL DEFAULT false,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE modules (
  name text PRIMARY KEY
);
INSERT INTO modules (name) VALUES
  ('bookmarks'), ('calendar'), ('contacts'), ('documents'), ('forum'), ('knowledge'),
  ('pinboard'), ('pinboard_public'), ('projects'), ('tasks'), ('webmail');

-- One row per user and module: access is explicit, so a report can show what a user may use.
CREATE TABLE user_modules (
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  module  text    NOT NULL REFERENCES modules(name),
  enabled boolean NOT NULL,
  PRIMARY KEY (user_id, module)
);

CREATE TABLE groups (
  id         serial PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  gid_number integer,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
  group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  user_id  integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE resources (
  id          serial PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  mail        text,
  description text,
  available   boolean NOT NULL DEFAULT true
);

CREATE TABLE resource_groups (
  id          serial PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  description text
);

CREATE TABLE resource_group_members (
  resource_group_id integer NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
  resource_id       integer NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  PRIMARY KEY (resource_group_id, resource_id)
);

-- Default folders: one per user and module, named in the user's language at creation.
CREATE TABLE folders (
  id         serial PRIMARY KEY,
  owner_id   integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  module     text NOT NULL REFERENCES modules(name),
  name       text NOT NULL,
  is_default boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX folders_default_per_module ON folders (owner_id, module) WHERE is_default;

-- Permission bits as in the groupware: folder admin, read/write/delete own or all objects.
CREATE TABLE folder_permissions (
  folder_id    integer NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  user_id      integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  folder_admin boolean NOT NULL,
  read_level   smallint NOT NULL,
  write_level  smallint NOT NULL,
  delete_level smallint NOT NULL,
  PRIMARY KEY (folder_id, user_id)
);
