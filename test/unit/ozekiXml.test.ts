import { children, childText, parseXml, textOf, XML_LIMITS, type XmlElement } from '../../src/shared/ozeki/xml';

const root = (text: string): XmlElement => {
  const result = parseXml(text);
  if (!result.ok) throw new Error(result.error);
  return result.root;
};

const failure = (text: unknown) => {
  const result = parseXml(text);
  if (result.ok) throw new Error('expected a failure');
  return result;
};

describe('parseXml reads', () => {
  test('elements, attributes, text and self-closing tags', () => {
    const doc = root('<?xml version="1.0"?>\n<a x="1" y=\'two\'><b>hi</b><c/><b> there </b></a>');
    expect(doc.name).toBe('a');
    expect(doc.attributes).toEqual({ x: '1', y: 'two' });
    expect(children(doc, 'b').map(textOf)).toEqual(['hi', 'there']);
    expect(children(doc, 'c')[0]?.children).toEqual([]);
  });

  test('the five entities, character references and CDATA, verbatim', () => {
    const doc = root(
      '<r a="&lt;&quot;&apos;&gt;"><t>a &amp; b &#65;&#x42;&#x1F600;</t><d><![CDATA[<b>&amp;</b>]]></d></r>',
    );
    expect(doc.attributes.a).toBe('<"\'>');
    expect(childText(doc, 't')).toBe('a & b AB😀');
    expect(childText(doc, 'd')).toBe('<b>&amp;</b>');
  });

  test('namespace prefixes: local names for lookup, the written name kept', () => {
    const doc = root('<oz:Response xmlns:oz="urn:x"><oz:Code>200</oz:Code></oz:Response>');
    expect(doc.name).toBe('Response');
    expect(doc.qname).toBe('oz:Response');
    expect(doc.attributes['xmlns:oz']).toBe('urn:x');
    expect(childText(doc, 'code')).toBe('200');
  });

  test('comments and processing instructions anywhere, a BOM, whitespace around the root', () => {
    const doc = root('\uFEFF<?xml version="1.0"?><!-- c --><r><!-- inside --><?pi x?>v</r>\n<!-- after -->\n');
    expect(textOf(doc)).toBe('v');
  });

  test('lookup is by local name, case-insensitively, and a missing child is undefined', () => {
    const doc = root('<R><CallID>1</CallID></R>');
    expect(childText(doc, 'CallId')).toBe('1');
    expect(childText(doc, 'Nope')).toBeUndefined();
  });

  test('deep but legal nesting, and a very long flat document, quickly and without recursion', () => {
    const depth = XML_LIMITS.depth - 1;
    const deep = `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;
    expect(textOf(root(deep))).toBe('x');
    const many = `<r>${'<i>1</i>'.repeat(100_000)}</r>`;
    expect(children(root(many), 'i')).toHaveLength(100_000);
  });
});

describe('parseXml refuses, with a reason and without throwing', () => {
  test.each([
    ['<r><a>1</a>', 'the document ends inside <r>'],
    ['<r><a>1</a', 'the document ends'],
    ['<r attr="x', 'the document ends inside the attribute attr'],
    ['<r><!-- never closed', 'the document ends inside a comment'],
    ['<r><![CDATA[ open', 'the document ends inside a CDATA section'],
    ['<r>text &am', 'the document ends inside <r>'],
    ['<r', 'the document ends inside the tag <r>'],
    ['', 'the answer is empty'],
  ])('a cut-off document is marked truncated: %j', (text, reason) => {
    const result = failure(text);
    expect(result.truncated).toBe(true);
    expect(result.error).toContain(reason);
  });

  test.each([
    ['<r><a></b></r>', '</b> closes <a>'],
    ['<r>&nbsp;</r>', 'unknown entity "&nbsp;"'],
    ['<r>a & b</r>', 'unterminated "&"'],
    ['<r>&#0;</r>', 'bad character reference'],
    ['<r a="1" a="2"/>', 'appears twice'],
    ['<r a=1/>', 'not quoted'],
    ['<r a="1"b="2"/>', 'expected a space'],
    ['<r a="<"/>', '"<" inside the attribute'],
    ['<r/><r/>', 'content after the root element'],
    ['<r/>trailing', 'content after the root element'],
    ['hello <r/>', 'does not start with an XML tag'],
    ['{"json": true}', 'does not start with an XML tag'],
    ['<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', 'DOCTYPE'],
    ['<!doctype html><html></html>', 'DOCTYPE'],
    ['<r><!-- a -- b --></r>', '"--" inside a comment'],
    ['<r>]]></r>', '"]]>" in text'],
    ['<1r/>', 'expected an element name'],
  ])('a broken document: %j', (text, reason) => {
    const result = failure(text);
    expect(result.truncated).toBe(false);
    expect(result.error).toContain(reason);
  });

  test('nesting past the depth limit', () => {
    const depth = XML_LIMITS.depth + 1;
    expect(failure(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`).error).toContain('nested deeper');
  });

  test('too many attributes, an oversize answer, and not text at all', () => {
    const attributes = Array.from({ length: XML_LIMITS.attributes + 1 }, (_, i) => `a${i}="1"`).join(' ');
    expect(failure(`<r ${attributes}/>`).error).toContain('attributes');
    expect(failure(`<r>${'x'.repeat(XML_LIMITS.chars)}</r>`).error).toContain('larger than');
    expect(failure(42).error).toBe('the answer is not text');
    expect(failure(undefined).error).toBe('the answer is not text');
  });

  test('random garbage and every prefix of a real answer: a result every time, never an exception', () => {
    const answer =
      '<?xml version="1.0"?><Response a="1"><Code>200</Code><!-- c --><X><![CDATA[y]]>&amp;&#65;</X></Response>';
    for (let end = 0; end < answer.length; end++) {
      const result = parseXml(answer.slice(0, end));
      expect(result.ok).toBe(false);
      if (!result.ok && end > 0) expect(typeof result.error).toBe('string');
    }
    expect(parseXml(answer).ok).toBe(true);
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '<>/="\'&;#x![]CDATA-? abc\n';
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * 25)]).join(
        '',
      );
      expect(() => parseXml(text)).not.toThrow();
    }
  });
});
