/** A job's logger: its bindings in every line, no pino child per job, redaction as before. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boundLogger } from '../../shared/bound-logger.ts';
import { createLogger } from '../../shared/logger.ts';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: level as 'info' }, 'test', sink);
  return { logger, lines };
}

describe('boundLogger', () => {
  it('adds its bindings to each line, and to the lines of its children', () => {
    const { logger, lines } = capture();
    const log = boundLogger(logger, { jobId: 'j1', queue: 'q' });
    log.info({ status: 'succeeded' }, 'export finished');
    log.child({ api: 'vredis' }).warn({ code: '420' }, 'call failed');
    log.info('a bare message');
    log.error(new Error('boom'));
    expect(lines.map(({ time: _t, pid: _p, name: _n, ...rest }) => rest)).toEqual([
      { level: 30, jobId: 'j1', queue: 'q', status: 'succeeded', msg: 'export finished' },
      { level: 40, jobId: 'j1', queue: 'q', api: 'vredis', code: '420', msg: 'call failed' },
      { level: 30, jobId: 'j1', queue: 'q', msg: 'a bare message' },
      expect.objectContaining({ level: 50, jobId: 'j1', msg: 'boom' }),
    ]);
  });

  it('writes nothing below the level, and makes no pino child for lines with fields', () => {
    const { logger, lines } = capture('warn');
    let children = 0;
    const counting = new Proxy(logger, {
      get(target, property) {
        if (property === 'child') children++;
        return Reflect.get(target, property, target);
      },
    });
    const log = boundLogger(counting, { jobId: 'j2' }).child({ instanceNo: '1' });
    log.info({ status: 'succeeded' }, 'export finished');
    log.warn({ code: '420' }, 'call failed');
    expect(lines).toHaveLength(1);
    expect(children).toBe(0);
    expect(log.isLevelEnabled('info')).toBe(false);
  });

  it('redacts every REDACT_PATHS secret, nested or not, leaving the caller objects as they were', () => {
    const { logger, lines } = capture();
    const config = { accessKey: 'AK', secretKey: 's3cret', nested: { apiToken: 't0ken' } };
    const headers = { 'x-ncp-apigw-signature-v2': 'sig==', host: 'h' };
    logger.info({ config, request: { headers }, headers, signature: 'top' }, 'm');
    boundLogger(logger, { job: { authorization: 'Bearer b' } })
      .child({ c: 1 })
      .info({ ok: 1 }, 'n');
    logger.child({ opts: { secretKey: 'child-secret' } }).info('o');
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|t0ken|sig==|top|Bearer|child-secret/);
    expect(lines[0]).toMatchObject({
      config: { accessKey: 'AK', secretKey: '[redacted]', nested: { apiToken: '[redacted]' } },
      request: { headers: { 'x-ncp-apigw-signature-v2': '[redacted]', host: 'h' } },
    });
    expect(config.secretKey).toBe('s3cret');
    expect(headers['x-ncp-apigw-signature-v2']).toBe('sig==');
  });

  it('redacts secrets in bindings and fields alike', () => {
    const { logger, lines } = capture();
    boundLogger(logger, { config: { secretKey: 's3cret' } }).info({ secretKey: 'x' }, 'm');
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|"x"/);
  });
});
