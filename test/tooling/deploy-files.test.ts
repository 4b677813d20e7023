/**
 * The deploy files, checked where no container tool runs: docker-compose.yml parsed as YAML and its structure checked
 * (every service it depends on exists and is health-checked, named volumes declared, the service's environment made
 * only of variables the service reads, its database and Redis URLs pointing at the compose services); the Dockerfile's
 * stages, user, install, health check and entry point; and the systemd unit's essentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** `${NAME:?message}` / `${NAME:-default}` interpolations, as compose reads them. */
const interpolated = (text: string) => [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}/g)].map((match) => match[1]);

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const compose = parseYaml(text) as any;
  const app = compose.services?.['oncall-im'];

  it('runs oncall-im, built from this checkout, on MariaDB and Redis that must be healthy first', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mariadb', 'oncall-im', 'redis']);
    expect(app.build).toBe('.');
    expect(app.depends_on).toEqual({ mariadb: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    for (const dependency of Object.keys(app.depends_on)) {
      expect(compose.services[dependency].healthcheck.test[0]).toBe('CMD');
      expect(compose.services[dependency].image).toMatch(/^[a-z0-9]+:[\w.-]+$/);
    }
  });

  it("passes only variables the service reads, with its database and Redis URLs on the compose services", () => {
    const environment = app.environment as Record<string, string>;
    expect(Object.keys(environment).filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    const database = new URL(environment.DATABASE_URL.replace(/\$\{[^}]*\}/, 'password'));
    expect(database).toMatchObject({ protocol: 'mysql:', hostname: 'mariadb', port: '3306', pathname: `/${compose.services.mariadb.environment.MARIADB_DATABASE}` });
    expect(database.username).toBe(compose.services.mariadb.environment.MARIADB_USER);
    // One password for both, from the one variable.
    expect(interpolated(environment.DATABASE_URL)).toEqual(['MARIADB_PASSWORD']);
    expect(interpolated(compose.services.mariadb.environment.MARIADB_PASSWORD)).toEqual(['MARIADB_PASSWORD']);
    expect(new URL(environment.REDIS_URL)).toMatchObject({ protocol: 'redis:', hostname: 'redis' });
    // The rest of the service's variables come from .env (optional).
    expect(app.env_file).toEqual([{ path: '.env', required: false }]);
  });

  it('keeps state in declared named volumes, the service\'s at its DATA_DIR', () => {
    const declared = Object.keys(compose.volumes);
    const mounts = Object.values(compose.services).flatMap((service: any) => (service.volumes ?? []) as string[]);
    for (const mount of mounts) expect(declared).toContain(mount.split(':')[0]);
    expect(app.volumes).toEqual([`oncall-data:${app.environment.DATA_DIR}`]);
    expect(app.ports).toEqual([`8080:${app.environment.PORT}`]);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1];

  it('is multi-stage: the build stage compiles, the runtime stage gets production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    expect(text).toMatch(/^RUN npm run build$/m);
    expect(text).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(final).toMatch(/^COPY --from=deps \/app\/node_modules \.\/node_modules$/m);
    expect(final).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(final).not.toMatch(/npm ci(?! --omit=dev)/);
  });

  it('has the build script in place before any `npm ci`, which runs it as npm’s prepare (and it builds nothing there)', () => {
    const prepare = JSON.parse(read('package.json')).scripts.prepare as string;
    const script = /^node (\S+)$/.exec(prepare)![1];
    const copied = text.search(new RegExp(`^COPY ${script.replace(/[./]/g, '\\$&')} \\./src/cli/$`, 'm'));
    expect(copied).toBeGreaterThan(-1);
    expect(copied).toBeLessThan(text.search(/^RUN npm ci/m));
    // Every stage that runs npm ci descends from the stage that copied it.
    const toolchain = stages.findIndex((stage) => stage.includes(script));
    for (const stage of stages.filter((stage) => /^RUN npm ci/m.test(stage))) expect(stage.split(/\s/)[0]).toBe(stages[toolchain].split(/\s/)[2]);
  });

  it('runs as a non-root user, what tsconfig.build.json compiles, with a health check on /healthz', () => {
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/^USER root$/m);
    expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(final)![1]) as string[];
    expect(cmd).toEqual(['node', 'dist/src/main.js']);
    // The entry point is where the build puts src/main.ts (outDir dist, rootDir .).
    expect(read('tsconfig.json')).toMatch(/"outDir": "dist"/);
    expect(existsSync(join(ROOT, 'src/main.ts'))).toBe(true);
    // The runtime finds its card templates from package.json + cards/ (lib/project-root.ts).
    expect(final).toMatch(/^COPY package\.json \.\/$/m);
    expect(final).toMatch(/^COPY cards \.\/cards$/m);
    // The data directory is the one the compose file mounts, and the non-root user owns it.
    expect(final).toMatch(/DATA_DIR=\/var\/lib\/oncall-im/);
    expect(final).toMatch(/chown node:node \/var\/lib\/oncall-im/);
  });

  it('builds from sources only: the checkout\'s node_modules, dist, data and .env stay out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const path of ['node_modules', 'dist', 'data', '.env', '.git']) expect(ignored).toContain(path);
    for (const copied of [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1].split(' '))) {
      expect(existsSync(join(ROOT, copied))).toBe(true);
    }
  });
});

describe('deploy/oncall-im.service', () => {
  const text = read('deploy/oncall-im.service');
  const sections = Object.fromEntries(
    text.split(/^\[(\w+)\]$/m).slice(1).reduce<Array<[string, Record<string, string[]>]>>((all, part, index, parts) => {
      if (index % 2 === 0) {
        const entries: Record<string, string[]> = {};
        for (const line of parts[index + 1].split('\n')) {
          const match = /^(\w+)=(.*)$/.exec(line.trim());
          if (match) (entries[match[1]] ??= []).push(match[2]);
        }
        all.push([part, entries]);
      }
      return all;
    }, []),
  );

  it('runs the built service as its own user, restarts it on failure, and gives its stop the time it takes', () => {
    expect(Object.keys(sections)).toEqual(['Unit', 'Service', 'Install']);
    const service = sections.Service;
    expect(service.User).toEqual(['oncall-im']);
    expect(service.ExecStart).toEqual(['/usr/bin/node dist/src/main.js']);
    expect(service.Restart).toEqual(['on-failure']);
    expect(service.EnvironmentFile).toEqual(['/etc/oncall-im/env']);
    expect(service.Environment).toContain('DATA_DIR=/var/lib/oncall-im');
    expect(service.StateDirectory).toEqual(['oncall-im']);
    // main.ts forces an exit 15 s after SIGTERM: systemd must not kill it sooner.
    expect(Number(service.TimeoutStopSec[0])).toBeGreaterThan(15);
    expect(sections.Install.WantedBy).toEqual(['multi-user.target']);
  });
});
