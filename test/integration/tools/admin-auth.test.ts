import { afterAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { sqlQuery } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { failsWith, paper } from './admin-kit.js';
import { findUser, openDirectory } from '../../helpers/directory.js';

const config = stackConfig();
const svc = createAdminService(config);
afterAll(() => svc.close());

describe('the administrator\'s credentials, checked on every call', () => {
  it('a wrong password is ADMIN_AUTH and creates nothing anywhere', async () => {
    const u = uniqueName('noauth');
    const err = await failsWith(paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=wrong-pw --username=${u} --password=secret \\
      --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost`), 'ADMIN_AUTH');
    expect(err.message).not.toContain('wrong-pw');
    const dir = await openDirectory(config);
    try {
      expect(await findUser(dir, u)).toBeUndefined();
    } finally {
      await dir.close();
    }
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [u])).toHaveLength(0);
  });

  it('is checked again after a successful call: the open connection is no pass', async () => {
    const g = uniqueName('authg');
    await paper(svc, `./delgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g}`);
    await failsWith(paper(svc, `./delgroup --adminuser=mailadmin --adminpasswd=nope --groupname=${g}`), 'ADMIN_AUTH');
  });

  it('an unknown administrator is ADMIN_AUTH; an empty password or none at all a missing option', async () => {
    await failsWith(svc.call('delgroup', { adminuser: 'nosuchadmin', adminpasswd: 'secret', groupname: 'g' }), 'ADMIN_AUTH');
    // An empty simple bind would be an anonymous bind, which LDAP accepts: it never gets that far.
    await failsWith(svc.call('delgroup', { adminuser: 'mailadmin', adminpasswd: '', groupname: 'g' }), 'MAP_MISSING_FIELD');
    await failsWith(svc.call('delgroup', { groupname: 'g' }), 'MAP_MISSING_FIELD');
  });

  it('an administrator name with DN syntax in it is escaped, not interpreted', async () => {
    await failsWith(svc.call('delgroup', { adminuser: 'mailadmin,ou=admins', adminpasswd: 'secret', groupname: 'g' }), 'ADMIN_AUTH');
  });

  it('an option the tool does not have is refused, as on the command line', async () => {
    await failsWith(svc.call('deluser', { adminuser: 'mailadmin', adminpasswd: 'secret', username: 'x', birthDay: '1984-01-01' }), 'CFG_UNKNOWN_OPTION');
  });
});
