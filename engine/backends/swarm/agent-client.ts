// The harness's side of the fault agents (agent/protocol.ts): every request
// goes through the run's relay, with the run's token, and every failure is an
// AgentError that names the host and what went wrong, in one line.
import { connect, type Socket } from 'node:net';
import { AGENT_PORT, firstLine } from './agent/protocol.js';

export class AgentError extends Error {
  constructor(
    message: string,
    /** The agent's HTTP status (401 wrong token, 404 no such container), 0 when none answered. */
    readonly status = 0,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export class AgentRelay {
  constructor(
    readonly host: string,
    readonly port: number,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
    private readonly agentPort = AGENT_PORT,
  ) {}

  /** The agents' overlay addresses (tasks.<stack>_agent on the overlay's DNS). */
  async agents(): Promise<string[]> {
    const { first, sock } = await this.open('?agents');
    sock.destroy();
    if (first.startsWith('ERR ')) throw new AgentError(`relay: ${first.slice(4)}`);
    try {
      return JSON.parse(first) as string[];
    } catch {
      throw new AgentError(`the relay answered ${JSON.stringify(first.slice(0, 80))}, not a list of agents`);
    }
  }

  /** One request to the agent at overlay address `ip` (with `body` as JSON); resolves to its JSON answer. */
  async call<T>(ip: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const { first, sock } = await this.open(`${ip}:${this.agentPort}`);
    if (first !== 'OK') {
      sock.destroy();
      throw new AgentError(`relay: ${first.replace(/^ERR /, '')}`);
    }
    // One request per connection (Connection: close): the whole answer is what arrives before the end.
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      sock.setTimeout(this.timeoutMs, () => {
        sock.destroy();
        reject(new AgentError(`agent ${ip}: no answer to ${path} in ${this.timeoutMs} ms`));
      });
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      sock.on('error', (err) => reject(new AgentError(`agent ${ip}: ${err.message}`)));
      sock.resume();
      sock.write(
        `${method} ${path} HTTP/1.1\r\nhost: agent\r\nauthorization: Bearer ${this.token}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
      );
    });
    sock.destroy();
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
    const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
    let answer: unknown;
    try {
      answer = JSON.parse(bodyText);
    } catch {
      throw new AgentError(`agent ${ip} answered ${status || 'nothing'} with no JSON`, status);
    }
    if (status === 200) return answer as T;
    const why = (answer as { error?: string } | null)?.error ?? bodyText;
    throw new AgentError(`agent ${ip}: ${status} ${why}`, status);
  }

  /** Connects to the relay and sends the first line; resolves to the relay's first line and the socket. */
  private open(target: string): Promise<{ first: string; sock: Socket }> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.port, this.host);
      const fail = (why: string) => {
        sock.destroy();
        reject(new AgentError(`relay ${this.host}:${this.port}: ${why}`));
      };
      sock.on('error', (err) => fail(err.message));
      sock.setTimeout(this.timeoutMs, () => fail(`no answer in ${this.timeoutMs} ms`));
      sock.on('connect', () => {
        sock.write(`${this.token} ${target}\n`);
        firstLine(sock, 64 * 1024, this.timeoutMs).then(
          ({ line, rest }) => {
            sock.setTimeout(0);
            sock.removeAllListeners('error');
            sock.on('error', () => {});
            if (rest.length > 0) sock.unshift(rest);
            resolve({ first: line, sock });
          },
          (err: Error) => fail(err.message),
        );
      });
    });
  }
}
