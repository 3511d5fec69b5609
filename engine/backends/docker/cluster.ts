// A docker cluster of one container per node, started from a generated compose
// file with the compose CLI. Knows each node's container and address, pauses,
// kills and restarts containers, and tears everything down: asynchronously on
// a normal end, and synchronously from the cleanup registry on exit, SIGINT
// and SIGTERM (sweep.ts: containers and networks by the run's label, the
// firewall by the run's chain).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeId } from '../../../proto/contract.js';
import { onCleanup } from '../cleanup.js';
import { type ComposeSpec, composeYaml, NETWORK, RUN_LABEL } from './compose.js';
import { detectCompose, docker, run } from './exec.js';
import { sweepRunSync } from './sweep.js';

export { sweepRunSync };

export interface ClusterOptions extends ComposeSpec {
  /** Where compose.yml is written (and kept). */
  dir: string;
}

interface Member {
  container: string;
  ip: string;
}

export class DockerCluster {
  private readonly members = new Map<NodeId, Member>();
  gateway = '';
  private unregister: () => void = () => {};
  private composeCli: { file: string; pre: string[]; label: string } | null = null;
  readonly composeFile: string;
  readonly project: string;

  private constructor(readonly options: ClusterOptions) {
    this.composeFile = join(options.dir, 'compose.yml');
    this.project = `gossipcheck-${options.runId}`;
  }

  /** Writes compose.yml, starts the cluster, learns every container's address. */
  static async start(options: ClusterOptions): Promise<DockerCluster> {
    const c = new DockerCluster(options);
    c.unregister = onCleanup(() => sweepRunSync(options.runId));
    try {
      await writeFile(c.composeFile, composeYaml(options));
      c.composeCli = await detectCompose();
      await c.compose(['up', '-d', '--no-build'], 300_000);
      await c.discover();
      return c;
    } catch (err) {
      await c.teardown();
      throw err;
    }
  }

  get composeLabel(): string {
    return this.composeCli?.label ?? '';
  }

  private compose(args: string[], timeoutMs = 120_000): Promise<string> {
    const cli = this.composeCli!;
    return run(cli.file, [...cli.pre, '-p', this.project, '-f', this.composeFile, ...args], { timeoutMs });
  }

  private async discover(): Promise<void> {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${RUN_LABEL}=${this.options.runId}`]))
      .split('\n')
      .filter(Boolean);
    if (ids.length === 0) throw new Error('compose started no containers');
    const info = JSON.parse(await docker(['inspect', ...ids])) as {
      Id: string;
      Config: { Labels: Record<string, string> };
      NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string }> };
    }[];
    for (const x of info) {
      const service = x.Config.Labels['com.docker.compose.service'];
      const net = Object.entries(x.NetworkSettings.Networks).find(([name]) =>
        name.endsWith(`_${NETWORK}`),
      )?.[1];
      if (!service || !net) continue;
      this.members.set(service, { container: x.Id, ip: net.IPAddress });
      this.gateway ||= net.Gateway;
    }
    for (const n of this.options.nodes) {
      if (!this.members.get(n)?.ip) throw new Error(`node ${n}: no container address after compose up`);
    }
  }

  ip(node: NodeId): string {
    return this.members.get(node)!.ip;
  }

  ips(): Map<NodeId, string> {
    return new Map([...this.members].map(([n, m]) => [n, m.ip]));
  }

  /** HOST:PORT of the node's GossipNode endpoint, reachable from the host. */
  address(node: NodeId): string {
    return `${this.ip(node)}:${this.options.port}`;
  }

  container(node: NodeId): string {
    return this.members.get(node)!.container;
  }

  async pause(node: NodeId): Promise<void> {
    await docker(['pause', this.container(node)]);
  }

  async unpause(node: NodeId): Promise<void> {
    await docker(['unpause', this.container(node)]);
  }

  async kill(node: NodeId): Promise<void> {
    await docker(['kill', this.container(node)]);
  }

  /** Starts a killed container again; returns its (possibly new) address. */
  async restart(node: NodeId): Promise<string> {
    await docker(['start', this.container(node)]);
    const ip = (
      await docker([
        'inspect',
        '--format',
        `{{range $k, $v := .NetworkSettings.Networks}}{{$v.IPAddress}}{{end}}`,
        this.container(node),
      ])
    ).trim();
    if (ip) this.members.get(node)!.ip = ip;
    return this.address(node);
  }

  /** The last lines the node's container printed (for error messages). */
  async logs(node: NodeId, lines = 20): Promise<string> {
    try {
      return await run('docker', ['logs', '--tail', String(lines), this.container(node)]);
    } catch {
      return '';
    }
  }

  /**
   * compose down, then a sweep by label (and of the run's chain). Idempotent;
   * the registered sync sweep stays armed until it is done, so a signal during
   * teardown still finishes the job.
   */
  async teardown(): Promise<void> {
    if (this.composeCli) {
      try {
        await this.compose(['down', '-v', '--remove-orphans', '-t', '1'], 120_000);
      } catch {
        // The sweep below removes whatever compose left.
      }
    }
    sweepRunSync(this.options.runId);
    this.unregister();
  }
}
