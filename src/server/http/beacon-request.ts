// The request-shape half of the beacon endpoint, kept apart from the database so that the raw
// baseline in bench/beacons.mjs runs exactly the same route match and body cap.
import type { IncomingMessage } from 'node:http';

const BEACON_PATH = /^\/r\/([a-z2-7]{16}\.[a-z2-7]{32})\/views\/([a-z2-7]{26})\/?$/;

export function matchBeaconPath(pathname: string): { token: string; viewId: string } | null {
  const match = BEACON_PATH.exec(pathname);
  return match ? { token: match[1]!, viewId: match[2]! } : null;
}

/** Reads at most `limit` bytes; a larger body (declared or streamed) is drained and refused. */
export function readCappedBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
