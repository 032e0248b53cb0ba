import fs from 'node:fs';
import { once } from 'node:events';

const GIVEN = ['Anna', 'Jürgen', 'Marie', 'François', 'Emma', 'Oliver', 'Lena', 'Hélène', 'Tom', 'Søren'];
const SUR = ['Müller', 'Dubois', 'Smith', 'Weiß', 'Lefèvre', 'Jones', 'Schäfer', 'Martin', 'Brown', 'Øberg'];
const LANG = ['DE', 'EN', 'FR'];
const TZ = ['Europe/Berlin', 'Europe/London', 'Europe/Paris'];
const DISABLE = ['', 'forum', 'bookmarks,knowledge', '', 'pinboard,pinboard_public'];

/**
 * Writes `rows` synthetic users (12 columns, the adduser header) with names unique under `prefix`;
 * with `groups`, a 13th column puts each user into one of that many groups (`<prefix>g0`, …).
 */
export async function generateUsers(file: string, rows: number, prefix: string, groups = 0): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(`username,password,surname,givenname,mail,alias,colocrouteaddr,timezone,language,country,disable,quotasize${groups ? ',groups' : ''}\n`);
  for (let i = 0; i < rows; i++) {
    const u = `${prefix}${i}`;
    const lang = LANG[i % 3];
    const group = groups ? `,${prefix}g${i % groups}` : '';
    const line = `${u},Pw-${i}-bench,${SUR[i % 10]},${GIVEN[(i * 7) % 10]},${u}@bench.tux,${u}.alias@bench.tux,${u}@localhost,${TZ[i % 3]},${lang},${lang === 'EN' ? 'GB' : lang},"${DISABLE[i % 5]}",100${group}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

if (process.argv[1]?.endsWith('generate-users.ts')) {
  const [file, rows, prefix] = process.argv.slice(2);
  await generateUsers(file, Number(rows ?? 1000), prefix ?? 'u');
}
