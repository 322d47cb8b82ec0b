import { describe, expect, it } from 'vitest';
import { readForm } from '../../src/server/http/forms';

const url = new URL('http://127.0.0.1:4321/admin/opportunities/o1/room');

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request(url, { method: 'POST', body, headers: { origin: url.origin, ...headers } });
}

describe('reading an admin form', () => {
  it('keeps each name’s first value, every value in order, and files apart', async () => {
    const form = new FormData();
    form.append('op', 'save');
    form.append('documents', 'pricing');
    form.append('documents', 'security-check-sheet');
    form.append('documents', 'roi-model');
    form.append('logo', new File([new Uint8Array([1, 2, 3])], 'logo.png', { type: 'image/png' }));
    const result = await readForm(post(form), url, 64 * 1024);
    if (!result.ok) throw new Error(`refused: ${result.problem}`);
    expect(result.fields).toEqual({ op: 'save', documents: 'pricing' });
    expect(result.lists).toEqual({ op: ['save'], documents: ['pricing', 'security-check-sheet', 'roi-model'] });
    expect(Object.keys(result.files)).toEqual(['logo']);
    expect(result.files.logo!.size).toBe(3);
  });

  it('refuses cross-site posts, oversized bodies (announced or streamed) and bodies that are not forms', async () => {
    const body = new URLSearchParams({ op: 'save' });
    expect(await readForm(post(body, { origin: 'https://evil.example' }), url, 1024)).toEqual({ ok: false, status: 403, problem: 'crossSite' });
    expect(await readForm(post(body, { 'sec-fetch-site': 'cross-site' }), url, 1024)).toEqual({ ok: false, status: 403, problem: 'crossSite' });
    expect(await readForm(post('x'.repeat(2000), { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '2000' }), url, 1024)).toEqual({
      ok: false,
      status: 413,
      problem: 'tooLarge',
    });
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(`op=${'x'.repeat(400)}&`));
        controller.close();
      },
    });
    const chunked = new Request(url, { method: 'POST', body: streamed, duplex: 'half', headers: { origin: url.origin, 'content-type': 'application/x-www-form-urlencoded' } } as RequestInit);
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(await readForm(chunked, url, 1024)).toEqual({ ok: false, status: 413, problem: 'tooLarge' });
    expect(await readForm(post('{"op":"save"}', { 'content-type': 'application/json' }), url, 1024)).toEqual({ ok: false, status: 400, problem: 'badRequest' });
  });
});
