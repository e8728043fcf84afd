/**
 * Builds and locates the two Temporal servers this project runs locally, without downloading prebuilt binaries:
 * the Temporal CLI (dev server and Web UI) from Go modules, and the Java time-skipping test server from Maven
 * Central. Each is cached by version under the user's cache directory and built only when missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Temporal CLI release built from Go modules; later releases carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_VERSION = '1.5.1';

/** The `io.temporal:temporal-test-server` release resolved from Maven Central; update-with-start needs 1.26 or later. */
export const TEST_SERVER_VERSION = '1.38.0';

/** Reports what a build is doing; builds take minutes, so silence would look like a hang. */
export type Progress = (line: string) => void;

/** Thrown when a tool needed to build a server is not installed. */
export class MissingToolError extends Error {
  constructor(
    readonly tool: string,
    readonly hint: string,
  ) {
    super(`${tool} is required to build the local Temporal servers but was not found on PATH. ${hint}`);
    this.name = 'MissingToolError';
  }
}

/** Thrown when a build command exits with an error; its last output lines are in `output`. */
export class ServerBuildError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} failed with exit code ${exitCode}:\n${output}`);
    this.name = 'ServerBuildError';
  }
}

/** The cache root: `$SIGNATURE_SESSIONS_CACHE`, else `$XDG_CACHE_HOME/signature-sessions`, else `~/.cache/signature-sessions`. */
export function cacheRoot(): string {
  if (process.env.SIGNATURE_SESSIONS_CACHE) return process.env.SIGNATURE_SESSIONS_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'signature-sessions');
}

/** Path of the cached `temporal` executable (it may not be built yet). */
export function temporalCliPath(): string {
  return join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

/** Path of the cached test server wrapper executable (it may not be built yet). */
export function testServerPath(): string {
  return join(cacheRoot(), 'temporal-test-server', TEST_SERVER_VERSION, 'temporal-test-server');
}

/** Both executables, building whichever is missing. */
export async function ensureTemporalServers(
  progress: Progress = () => {},
): Promise<{ cli: string; testServer: string }> {
  const cli = await ensureTemporalCli(progress);
  const testServer = await ensureTestServer(progress);
  return { cli, testServer };
}

/** Builds the Temporal CLI with `go install` unless it is cached already; returns its path. */
export async function ensureTemporalCli(progress: Progress = () => {}): Promise<string> {
  const target = temporalCliPath();
  if (existsSync(target)) {
    progress(`Temporal CLI ${TEMPORAL_CLI_VERSION}: cached at ${target}`);
    return target;
  }
  requireTool('go', ['version'], 'Install Go 1.22 or later (Debian: apt-get install golang-go) and run this again.');

  const dir = join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const staging = join(dir, `.build-${process.pid}`);
  await mkdir(staging, { recursive: true });
  progress(`Temporal CLI ${TEMPORAL_CLI_VERSION}: building from Go modules (a few minutes on two cores)...`);
  try {
    await run(
      'go',
      [
        'install',
        '-ldflags',
        `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
        `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
      ],
      { env: { ...process.env, GOBIN: staging }, progress, label: 'go install' },
    );
    await rename(join(staging, 'temporal'), target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  progress(`Temporal CLI ${TEMPORAL_CLI_VERSION}: built at ${target}`);
  return target;
}

/**
 * Resolves the Java test server's runtime classpath with Maven unless it is cached already, records a class-data
 * sharing archive of its start, and writes the wrapper executable the SDK runs with the port as first argument.
 */
export async function ensureTestServer(progress: Progress = () => {}): Promise<string> {
  const target = testServerPath();
  if (existsSync(target)) {
    progress(`Temporal test server ${TEST_SERVER_VERSION}: cached at ${target}`);
    return target;
  }
  requireTool('java', ['-version'], 'Install a Java 17 JDK (Debian: apt-get install openjdk-17-jdk-headless).');
  requireTool('mvn', ['-v'], 'Install Apache Maven (Debian: apt-get install maven).');

  const dir = join(cacheRoot(), 'temporal-test-server', TEST_SERVER_VERSION);
  const lib = join(dir, 'lib');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pom.xml'), testServerPom());

  progress(`Temporal test server ${TEST_SERVER_VERSION}: resolving its runtime classpath with Maven...`);
  await run(
    'mvn',
    [
      '-B',
      '-f',
      join(dir, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${lib}`,
    ],
    { progress, label: 'mvn', filter: (line) => /BUILD|ERROR/.test(line) },
  );
  const jars = (await readdir(lib)).filter((name) => name.endsWith('.jar')).sort();
  const classpath = jars.map((name) => join(lib, name)).join(':');

  progress(`Temporal test server ${TEST_SERVER_VERSION}: recording a class-data sharing archive of its start...`);
  const archive = join(dir, 'classes.jsa');
  await recordClassDataArchive(classpath, archive);

  // The archive is only valid for the exact classpath it was dumped with, so the wrapper lists every jar explicitly.
  // Tiered compilation stopped at C1 trades peak speed, which a test server never needs, for a faster start.
  const wrapper = [
    '#!/bin/sh',
    `# Temporal time-skipping test server ${TEST_SERVER_VERSION}; the SDK passes the port as the first argument.`,
    `exec java -XX:SharedArchiveFile='${archive}' -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \\`,
    `  -Xlog:cds=off -Xlog:cds+dynamic=off -cp '${classpath}' io.temporal.testserver.TestServer "$@"`,
    '',
  ].join('\n');
  const staging = `${target}.tmp`;
  await writeFile(staging, wrapper);
  await chmod(staging, 0o755);
  await rename(staging, target);
  progress(`Temporal test server ${TEST_SERVER_VERSION}: ready at ${target}`);
  return target;
}

function testServerPom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.signature-sessions</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>${TEST_SERVER_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

/** Starts the server once with `-XX:ArchiveClassesAtExit`, waits until it accepts connections, then stops it. */
async function recordClassDataArchive(classpath: string, archive: string): Promise<void> {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    'java',
    [
      `-XX:ArchiveClassesAtExit=${archive}`,
      '-Xlog:cds=off',
      '-cp',
      classpath,
      'io.temporal.testserver.TestServer',
      String(port),
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 60_000);
    // Let the server finish the work it does right after binding, so those classes are archived too.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  if (!existsSync(archive)) throw new ServerBuildError('java -XX:ArchiveClassesAtExit', child.exitCode, '');
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`Nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function requireTool(tool: string, args: string[], hint: string): void {
  const result = spawnSync(tool, args, { stdio: 'ignore' });
  if (result.error || result.status !== 0) throw new MissingToolError(tool, hint);
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  progress: Progress;
  label: string;
  filter?: (line: string) => boolean;
}

/** Runs a build command, streaming its interesting lines and a heartbeat every 20 s to `progress`. */
function run(command: string, args: string[], options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (!options.filter || options.filter(line)) options.progress(`  ${options.label}: ${line.trim()}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const heartbeat = setInterval(() => {
      options.progress(`  ${options.label}: still working (${Math.round((Date.now() - started) / 1000)} s)`);
    }, 20_000);
    child.once('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.once('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else reject(new ServerBuildError(`${command} ${args.join(' ')}`, code, tail.join('\n')));
    });
  });
}
