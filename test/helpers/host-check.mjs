// Runs on the back-ends' host of a network test (ip netns exec): what real clients find of the users
// whose names start with a prefix, as one JSON line. Argument: a JSON object { config, prefix, credentials }.
import fs from 'node:fs';
import { Client } from 'ldapts';
import pg from 'pg';

const { config: file, prefix, credentials } = JSON.parse(process.argv[2]);
const config = JSON.parse(fs.readFileSync(file, 'utf8'));
const ldap = new Client({ url: config.ldap.url, timeout: 30_000, connectTimeout: 10_000 });
await ldap.bind(config.ldap.bindDn, config.ldap.bindPassword);
const { searchEntries } = await ldap.search(config.ldap.baseDn, { scope: 'sub', filter: `(&(objectClass=posixAccount)(uid=${prefix}*))`, attributes: ['uid', 'uidNumber'], sizeLimit: 0, paged: { pageSize: 1000 } });
await ldap.unbind();
const uids = searchEntries.map((e) => String(e.uid));
const numbers = searchEntries.map((e) => String(e.uidNumber));
const db = new pg.Client({ connectionString: config.sql.url });
await db.connect();
const sql = (await db.query(`SELECT count(*)::int AS users,
  (SELECT count(*)::int FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username LIKE $1) AS folders,
  (SELECT count(*)::int FROM (SELECT DISTINCT f.owner_id, f.module, f.name FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username LIKE $1) d) AS distinct_folders
  FROM users WHERE username LIKE $1`, [`${prefix}%`])).rows[0];
await db.end();
// Each password of credentials.csv, as the user's own LDAP bind.
const rows = fs.readFileSync(credentials, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
let binds = 0;
const refused = [];
const bindAs = async ([username, password]) => {
  const c = new Client({ url: config.ldap.url, timeout: 10_000, connectTimeout: 10_000 });
  try {
    await c.bind(`uid=${username},ou=people,${config.ldap.baseDn}`, password);
    binds++;
  } catch (err) {
    refused.push(`${username}: ${err.code ?? err.message}`);
  } finally {
    await c.unbind().catch(() => {});
  }
};
for (let i = 0; i < rows.length; i += 20) await Promise.all(rows.slice(i, i + 20).map(bindAs));
process.stdout.write(`${JSON.stringify({
  entries: uids.length, distinctUids: new Set(uids).size, distinctUidNumbers: new Set(numbers).size,
  sqlUsers: sql.users, folders: sql.folders, distinctFolders: sql.distinct_folders,
  credentials: rows.length, distinctCredentials: new Set(rows.map((r) => r[0])).size, binds, refused: refused.slice(0, 5),
})}\n`);
