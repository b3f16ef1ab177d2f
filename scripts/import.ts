/**
 * `npm run import -- <stations|deputies|activities|cases> FILE [--dry-run]`: import a register
 * (.xlsx or .csv, the columns of jiefen's own export) into the database of DATABASE_URL (else the
 * PGlite directory), with a progress bar. Every row goes through the same verbs as the API (a case
 * through the engine, journaled); a dry run checks every row and writes nothing. Importing the
 * same file again writes nothing new.
 *
 * The command line acts as a fixed system user, `数据导入（命令行）` — court for cases, admin for
 * the directory: whoever runs it holds the database already. Exit code 0 when every row is in
 * (or, dry run, would be), 1 when any row has a problem, 2 when the file cannot be read.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, PgliteDirInUseError } from '../src/db/client.js';
import { readEnv } from '../src/env.js';
import { IMPORT_KINDS, IMPORT_KIND_LABELS, ImportFileError, importFile, type ImportKind, type ImportProgress } from '../src/edge/imports.js';
import type { Actor } from '../src/machines/roles.js';

/** The command line's actor: recorded as the author of every row it writes. */
export const CLI_IMPORTER_ID = '00000000-0000-4000-8000-00000000d47a';

export function cliActor(kind: ImportKind): Actor {
  return { id: CLI_IMPORTER_ID, role: kind === 'cases' ? 'court' : 'admin', name: '数据导入（命令行）' };
}

/** `[██████░░░░] 61% 61,000/100,000 写入 1,830 行/秒` */
export function progressBar(p: ImportProgress, startedAt: number, width = 30): string {
  const share = p.total ? p.done / p.total : 1;
  const filled = Math.round(share * width);
  const secs = Math.max(0.001, (Date.now() - startedAt) / 1000);
  const phase = p.phase === 'checking' ? '检查' : p.phase === 'writing' ? '写入' : '完成';
  const n = (x: number) => x.toLocaleString('en-US');
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${n(p.done)}/${n(p.total)} ${phase} ${n(Math.round(p.done / secs))} 行/秒`;
}

/**
 * The register's bytes, or an ImportFileError saying in Chinese why not (not found, not a file, not
 * .xlsx or .csv, not readable) — the exit code 2 of a file that cannot be read, not Node's ENOENT
 * and its stack. Checked before the database is opened: a typo creates no PGlite directory.
 */
export function readRegister(file: string): Buffer {
  let stat;
  try {
    stat = statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // `a.csv/b.csv`: a part of the path is a file, so there is no such file either.
    throw code === 'ENOTDIR' ? new ImportFileError('not_found', { file }) : new ImportFileError('not_readable', { file, code });
  }
  if (!stat) throw new ImportFileError('not_found', { file });
  if (!stat.isFile()) throw new ImportFileError('not_a_file', { file });
  const ext = extname(file).toLowerCase();
  // Excel 97-2003 has its own advice (save as .xlsx), as an uploaded one gets.
  if (ext === '.xls') throw new ImportFileError('xls');
  if (ext !== '.xlsx' && ext !== '.csv') throw new ImportFileError('extension', { file });
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ImportFileError('not_readable', { file, code: (err as NodeJS.ErrnoException).code ?? '' });
  }
}

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false } } });
  const [kind, file] = positionals;
  if (!(IMPORT_KINDS as readonly string[]).includes(kind) || !file) {
    console.error(`用法：npm run import -- <${IMPORT_KINDS.join('|')}> 文件.xlsx|文件.csv [--dry-run]`);
    process.exit(2);
  }
  let bytes: Buffer;
  try {
    bytes = readRegister(file);
  } catch (err) {
    if (!(err instanceof ImportFileError)) throw err;
    console.error(`无法导入：${err.message}`);
    process.exitCode = 2;
    return;
  }
  const env = readEnv();
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: env.PGLITE_DIR, max: env.DATABASE_POOL_SIZE });
  } catch (err) {
    // The server has ./data open: say so and write nothing (src/db/client.ts, lockPgliteDir).
    if (!(err instanceof PgliteDirInUseError)) throw err;
    console.error(`无法导入：${err.message}`);
    process.exitCode = 2;
    return;
  }
  const dryRun = values['dry-run'];
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const onProgress = (p: ImportProgress) => {
    const line = progressBar(p, started);
    if (tty) process.stderr.write(`\r${line}`);
    else if (p.phase === 'done' || Date.now() - lastLine > 2000) {
      lastLine = Date.now();
      process.stderr.write(`${line}\n`);
    }
  };
  console.error(`${dryRun ? '试导入（只检查，不写入）' : '导入'}${IMPORT_KIND_LABELS[kind as ImportKind]}：${file}（${(bytes.length / 1024 / 1024).toFixed(1)} MiB）`);
  try {
    const result = await importFile(database.db, cliActor(kind as ImportKind), kind as ImportKind, bytes, {
      dryRun,
      onProgress,
      concurrency: env.DATABASE_URL ? 4 : 1,
    });
    if (tty) process.stderr.write('\n');
    for (const p of result.problems.slice(0, 200)) console.log(`第 ${p.row} 行${p.column ? `「${p.column}」` : ''}：${p.message}`);
    if (result.problems.length > 200) console.log(`……另有 ${result.problems.length - 200} 处问题`);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (result.problems.length && !dryRun && result.created === 0) {
      console.log(`共 ${result.total} 行，${result.problems.length} 处问题：未导入任何记录。（${secs} 秒）`);
    } else {
      const verb = dryRun ? '可导入' : '已导入';
      console.log(`共 ${result.total} 行：${verb} ${result.created} 行，已存在而跳过 ${result.skipped} 行，问题 ${result.problems.length} 处。（${secs} 秒）`);
    }
    process.exitCode = result.problems.length ? 1 : 0;
  } catch (err) {
    if (tty) process.stderr.write('\n');
    if (err instanceof ImportFileError) {
      console.error(`无法导入：${err.message}`);
      process.exitCode = 2;
    } else throw err;
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
