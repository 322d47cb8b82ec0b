// Every cap on a request body, in one table, and the one way a body is held to its cap: announced
// (Content-Length) or streamed (a chunked body announces nothing), refused as soon as it passes.
// Astro reads bodies whole, so without a cap one large POST holds hundreds of megabytes (issue #13).
// The readers: request-guard.ts (the production server, before Astro), forms.ts readBoundedBody
// (admin forms and JSON endpoints, also under `astro dev`) and beacon-request.ts (ahead of Astro).

/** Bytes a body may have, by what it carries. */
export const BODY_LIMITS = {
  /** The JSON that starts a view (POST /r/<token>/views): a slug and a few flags. */
  viewStart: 1024,
  /** A beacon: a few counters and section ids. */
  beacon: 8 * 1024,
  /** An access-link action (create, extend, revoke, regenerate): ids and a date. */
  linkForm: 4 * 1024,
  /** Every other admin form, and every route the table below does not name. */
  textForm: 64 * 1024,
  /** A JSON body of /api/v1. */
  api: 64 * 1024,
  /** The workspace settings forms: the logo form carries a file of up to 200 KB. */
  settingsForm: 512 * 1024,
  /** The studio's upload: a document and its attachments (each at most 20 MB, validation.ts). */
  documentUpload: 50 * 1024 * 1024,
} as const;

/** The production server's cap by route, before Astro reads the body; first match wins. */
const ROUTE_LIMITS: readonly (readonly [RegExp, number])[] = [
  [/^\/r\/[^/]+\/views\/?$/, BODY_LIMITS.viewStart],
  [/^\/admin\/settings\/?$/, BODY_LIMITS.settingsForm],
  [/^\/admin\/documents\/publish\/?$/, BODY_LIMITS.documentUpload],
];

export function bodyLimitFor(pathname: string): number {
  return ROUTE_LIMITS.find(([pattern]) => pattern.test(pathname))?.[1] ?? BODY_LIMITS.textForm;
}

export function announcedTooLarge(contentLength: string | null | undefined, limit: number): boolean {
  const length = Number(contentLength ?? 0);
  return Number.isFinite(length) && length > limit;
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/** What to do with the rest of a body past its cap (null: it was refused before any read). */
type TooLarge = (unread: AsyncIterator<Uint8Array> | null) => void;

/**
 * The chunks of a body as they come (the source is opened at the first read); past `limit`,
 * `onTooLarge` runs and BodyTooLarge is thrown. The source is iterated by hand and left as it is:
 * `onTooLarge` drains or cancels it (an abandoned for-await would destroy the socket before a 413
 * is out).
 */
export async function* cappedChunks(source: AsyncIterable<Uint8Array>, limit: number, onTooLarge?: TooLarge): AsyncGenerator<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  let size = 0;
  for (;;) {
    const { done, value } = await chunks.next();
    if (done) return;
    size += value.byteLength;
    if (size > limit) {
      onTooLarge?.(chunks);
      throw new BodyTooLarge(limit);
    }
    yield value;
  }
}

/** The whole body, or 'tooLarge' when it announces or streams more than `limit`. */
export async function readCappedBody(
  source: AsyncIterable<Uint8Array>,
  contentLength: string | null | undefined,
  limit: number,
  onTooLarge?: TooLarge,
): Promise<Buffer<ArrayBuffer> | 'tooLarge'> {
  if (announcedTooLarge(contentLength, limit)) {
    onTooLarge?.(null);
    return 'tooLarge';
  }
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of cappedChunks(source, limit, onTooLarge)) chunks.push(chunk);
  } catch (error) {
    if (error instanceof BodyTooLarge) return 'tooLarge';
    throw error;
  }
  return Buffer.concat(chunks);
}
