import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signedHeaders, signRequest } from '../../shared/ncp/signer.ts';

describe('signRequest', () => {
  // Published test vectors from NAVER Cloud Platform's own repository
  // NaverCloudPlatform/ncp-iam-authenticator, file pkg/token/token_test.go
  // (commit ca5c10c654a9130d790c35cce9711f675380a104): Test_makeSignature, and the signature
  // inside the expected token of Test_makeToken. Its makeSignature (pkg/token/token.go) is the
  // API Gateway signature v2: HMAC-SHA256 over "METHOD uri\ntimestamp\naccessKey", Base64.
  it('matches the vector published in ncp-iam-authenticator Test_makeSignature', () => {
    const signature = signRequest({
      method: 'GET',
      pathWithQuery: '/cluster/kubeconfig',
      timestamp: '1668407407855',
      accessKey: 'access',
      secretKey: 'secret',
    });
    expect(signature).toBe('LTJli9+OKT2KvUXxiKslMfu5FIOmDN83avehOvgUFp0=');
  });

  it('matches the path-with-query vector inside ncp-iam-authenticator Test_makeToken', () => {
    // The expected token there is base64 JSON holding {"signature": ..., "path": ...}.
    const signature = signRequest({
      method: 'GET',
      pathWithQuery: '/iam/krs-v1/user?clusterUuid=D11328F1-ECA9-4F1B-BA22-921F61D9C5FF',
      timestamp: '1668407407855',
      accessKey: 'access',
      secretKey: 'secret',
    });
    expect(signature).toBe('emeahfW4CmzsxIQ5ip0cd9yqERXJ+ZJsRfQpGNmKdXk=');
  });

  const base = {
    method: 'GET',
    pathWithQuery: '/vcache/v2/exportBackupToObjectStorage?fileName=a&responseFormatType=json',
    timestamp: '1700000000000',
    accessKey: 'AK',
    secretKey: 'SK',
  };

  it('signs exactly METHOD SP target LF timestamp LF accessKey, keyed with the UTF-8 secret', () => {
    const secretKey = 'clé-秘密';
    const expected = createHmac('sha256', Buffer.from(secretKey, 'utf8'))
      .update(Buffer.from(`GET ${base.pathWithQuery}\n1700000000000\nAK`, 'utf8'))
      .digest('base64');
    expect(signRequest({ ...base, secretKey })).toBe(expected);
  });

  it('changes with every signed field', () => {
    const reference = signRequest(base);
    expect(signRequest({ ...base, method: 'POST' })).not.toBe(reference);
    expect(signRequest({ ...base, pathWithQuery: `${base.pathWithQuery}&x=1` })).not.toBe(
      reference,
    );
    expect(signRequest({ ...base, timestamp: '1700000000001' })).not.toBe(reference);
    expect(signRequest({ ...base, accessKey: 'AK2' })).not.toBe(reference);
    expect(signRequest({ ...base, secretKey: 'SK2' })).not.toBe(reference);
  });

  it('refuses line breaks and non-decimal timestamps without echoing the values', () => {
    expect(() => signRequest({ ...base, pathWithQuery: '/a\nb' })).toThrow(
      'cannot sign: pathWithQuery contains a line break',
    );
    expect(() => signRequest({ ...base, accessKey: 'AK\r' })).toThrow(
      'cannot sign: accessKey contains a line break',
    );
    expect(() => signRequest({ ...base, timestamp: '1.7e12' })).toThrow(
      'cannot sign: timestamp must be milliseconds as a decimal string',
    );
  });
});

describe('signedHeaders', () => {
  it('carries the signed timestamp, the access key and the signature, nothing else', () => {
    const headers = signedHeaders({
      method: 'GET',
      pathWithQuery: '/cluster/kubeconfig',
      timestamp: '1668407407855',
      accessKey: 'access',
      secretKey: 'secret',
    });
    expect(headers).toStrictEqual({
      'x-ncp-apigw-timestamp': '1668407407855',
      'x-ncp-iam-access-key': 'access',
      'x-ncp-apigw-signature-v2': 'LTJli9+OKT2KvUXxiKslMfu5FIOmDN83avehOvgUFp0=',
    });
    expect(JSON.stringify(headers)).not.toContain('secret');
  });
});
