/** A job's logger: its bindings in every line, no pino child per job, redaction as before. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { boundLogger } from '../../shared/bound-logger.ts';
import { REDACT_PATHS } from '../../shared/logger.ts';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
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
    expect(lines.map(({ time: _t, pid: _p, hostname: _h, ...rest }) => rest)).toEqual([
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

  it('redacts secrets in bindings and fields alike', () => {
    const { logger, lines } = capture();
    boundLogger(logger, { config: { secretKey: 's3cret' } }).info({ secretKey: 'x' }, 'm');
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|"x"/);
  });
});
