// The few Docker Engine API calls an agent makes, over the engine's unix
// socket (mounted into the agent's container): no docker CLI in the image.
import { request } from 'node:http';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export function dockerApi(
  socket: string,
  method: string,
  path: string,
  timeoutMs = 20_000,
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // Not JSON (an error message as text): keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () =>
      req.destroy(new Error(`docker API ${method} ${path}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

export interface ContainerSummary {
  Id: string;
  State: string;
  Created: number;
  Labels: Record<string, string>;
}

/** Containers (all states) carrying label `key=value`, newest first. */
export async function containersByLabel(
  socket: string,
  key: string,
  value: string,
): Promise<ContainerSummary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${key}=${value}`] }));
  const res = await dockerApi(socket, 'GET', `/containers/json?all=1&filters=${filters}`);
  if (res.status !== 200 || !Array.isArray(res.body))
    throw new Error(`docker API: listing containers answered ${res.status}`);
  return (res.body as ContainerSummary[]).sort((a, b) => b.Created - a.Created);
}
