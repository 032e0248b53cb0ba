import type { Argv } from 'yargs';

/**
 * `oxprov runs`: the runs of oxprov's records (every door's: the command line, the
 * page, the daemon), `oxprov runs show ID` one of them with its ledger's counts,
 * and `oxprov report ID` its report written again from its ledger.
 */
export function runsCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs
    .command('runs [action] [id]', 'list the runs of every door (newest first), or show one with its ledger', (y) => y
      .positional('action', { choices: ['list', 'show'] as const, default: 'list', describe: 'list (default) or show ID' })
      .positional('id', { type: 'string', describe: 'the run to show' })
      .option('limit', { type: 'string', default: '20', describe: 'how many runs to list' })
      .option('config', { type: 'string', describe: 'config file (default: the local stack\'s settings)' })
      .strict(),
    async (argv) => {
      const { loadConfig } = await import('../config/load-config.js');
      const { openRunStore } = await import('../service/open-services.js');
      const { OxprovError } = await import('../errors.js');
      const runs = await openRunStore(loadConfig({ file: argv.config }));
      try {
        if (argv.action === 'show') {
          if (!argv.id) throw new OxprovError('CFG_MISSING', 'name the run to show: oxprov runs show ID (see oxprov runs)', { field: 'ID' });
          const run = await runs.get(argv.id);
          if (!run) throw new OxprovError('CFG_INVALID', `no run ${argv.id} in oxprov's records`, { field: 'ID', value: argv.id });
          const counts = await runs.statusCounts(run.id);
          const workers = await runs.workers(run.id);
          const lines = [
            `run ${run.id}`,
            `  kind        ${run.kind}${run.mode === 'run' ? '' : ` (${run.mode})`}`,
            `  state       ${run.state}${run.message ? `: ${run.message}` : ''}`,
            `  started     ${run.createdAt} by ${run.startedBy} through the ${run.door}${run.host ? ` on ${run.host} (pid ${run.pid})` : ''}`,
            ...(run.finishedAt ? [`  finished    ${run.finishedAt}`] : []),
            `  source      ${describeSource(run.source)}`,
            ...(run.reportDir ? [`  report      ${run.reportDir}`] : []),
            `  counters    ${Object.entries(run.counters).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
            `  ledger      ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'no rows'}`,
            ...(workers.length ? [`  workers     ${workers.map((w) => `${w.name} ${w.rows} rows${w.batches ? ` in ${w.batches} batch${w.batches === 1 ? '' : 'es'}` : ''}${w.rowsPerSecond !== undefined ? ` (${w.rowsPerSecond} rows/s)` : ''}`).join(', ')}`] : []),
          ];
          if (run.state === 'interrupted' && run.reportDir) lines.push(`  resume      oxprov ${run.kind} --resume ${run.reportDir}`);
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        const limit = Number(argv.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new OxprovError('CFG_INVALID', `--limit must be a whole number of at least 1, got "${argv.limit}"`, { field: '--limit' });
        const list = await runs.list(limit);
        if (list.length === 0) {
          process.stdout.write('no runs yet\n');
          return;
        }
        const rows = list.map((r) => [r.id, `${r.kind}${r.mode === 'run' ? '' : ` ${r.mode}`}`, r.door, r.startedBy, r.state,
          Object.entries(r.counters).filter(([k, v]) => v && k !== 'read').map(([k, v]) => `${k} ${v}`).join(', ') || '-', describeSource(r.source)]);
        const head = ['run', 'kind', 'door', 'by', 'state', 'result', 'source'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
      } finally {
        await runs.close();
      }
      setExit(0);
    })
    .command('report <id>', 'write the report of a run again from its ledger: report.csv, and credentials.csv when the run\'s key is at hand', (y) => y
      .positional('id', { type: 'string', demandOption: true, describe: 'the run (see oxprov runs)' })
      .option('to', { type: 'string', describe: 'the folder to write to (default: the run\'s report folder)' })
      .option('config', { type: 'string', describe: 'config file (default: the local stack\'s settings)' })
      .strict(),
    async (argv) => {
      const { loadConfig } = await import('../config/load-config.js');
      const { openRunStore } = await import('../service/open-services.js');
      const { exportRun } = await import('../ledger/export-run.js');
      const runs = await openRunStore(loadConfig({ file: argv.config }));
      try {
        const written = await exportRun(runs, String(argv.id), argv.to);
        process.stdout.write(`${written.map((f) => `  ${f}`).join('\n')}\n`);
      } finally {
        await runs.close();
      }
      setExit(0);
    });
}

function describeSource(source: Readonly<Record<string, unknown>>): string {
  if (typeof source.file === 'string') return source.file;
  if (typeof source.directory === 'string') return `${source.directory} ${String(source.base ?? '')}`.trim();
  return '-';
}
