import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#lib/config';

function routesFile(doc: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'routes-')), 'routes.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('loadBridgeConfig', () => {
  it('refuses a route that asks for de-duplication while the stack has no table for it', () => {
    const file = routesFile({
      routes: [
        { name: 'a', to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:a' } },
        { name: 'b', to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:b' }, dedupe: true },
      ],
    });
    expect(() => loadBridgeConfig({ ROUTES_FILE: file })).toThrow(
      `${file}: routes[1].dedupe needs the de-duplication table, which this version of the stack does not deploy yet`,
    );
  });

  it('accepts shadow routes and reads every route', () => {
    const file = routesFile({
      routes: [
        {
          name: 'a',
          to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:a' },
          mode: 'shadow',
          shadowTopicArn: 'arn:aws:sns:us-east-1:111122223333:a-shadow',
        },
      ],
    });
    expect(loadBridgeConfig({ ROUTES_FILE: file }).routes.routes[0]).toMatchObject({
      mode: 'shadow',
      shadowTopicArn: 'arn:aws:sns:us-east-1:111122223333:a-shadow',
      dedupe: false,
    });
  });
});
