/**
 * extension/managed_schema.json, the schema administrators deploy policies against, matches the
 * settings schema: every setting is there with the JSON type of its default, and nothing else is.
 */
import schema from '../../extension/managed_schema.json';
import { defaultSettings } from '../../src/shared/settings';
import { leafPaths } from '../../src/shared/settings/paths';

type Node = { type?: string; properties?: Record<string, Node>; items?: Node };

const jsonType = (value: unknown): string =>
  Array.isArray(value)
    ? 'array'
    : Number.isInteger(value)
      ? 'integer'
      : typeof value === 'number'
        ? 'number'
        : value === null
          ? 'null'
          : typeof value;

function schemaLeaves(node: Node, path: string, out: Map<string, string>): Map<string, string> {
  if (node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties)) schemaLeaves(child, path ? `${path}.${key}` : key, out);
  } else out.set(path, node.type ?? 'any');
  return out;
}

const settingsNode = (schema as { properties: { settings: Node } }).properties.settings;
const inSchema = schemaLeaves(settingsNode, '', new Map());
const inSettings = new Map(
  leafPaths(defaultSettings)
    .filter((path) => path !== 'version')
    .map((path) => [
      path,
      jsonType(path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], defaultSettings)),
    ]),
);

test('every setting is in the policy schema, with its type', () => {
  const wrong = [...inSettings].filter(([path, type]) => {
    const declared = inSchema.get(path);
    // An integer default may be declared "number" where fractions are allowed; an object with free keys as "object".
    return (
      declared !== type &&
      !(type === 'integer' && declared === 'number') &&
      !(type === 'object' && declared === 'object')
    );
  });
  expect(wrong.map(([path, type]) => `${path}: settings ${type}, schema ${inSchema.get(path) ?? 'missing'}`)).toEqual(
    [],
  );
});

test('the policy schema has no setting that does not exist', () => {
  expect([...inSchema.keys()].filter((path) => !inSettings.has(path))).toEqual([]);
});

test('the check can fail: a schema missing a setting is caught', () => {
  const broken = structuredClone(settingsNode);
  delete broken.properties?.connection?.properties?.serverUrl;
  expect(schemaLeaves(broken, '', new Map()).has('connection.serverUrl')).toBe(false);
  expect(inSchema.has('connection.serverUrl')).toBe(true);
});
