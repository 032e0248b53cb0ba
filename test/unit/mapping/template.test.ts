import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, TemplateSyntaxError } from '../../../src/mapping/template.js';

describe('derive templates', () => {
  it('applies filters in the order written', () => {
    const parts = parseTemplate('{givenname|initial|ascii|lower}.{surname|ascii|lower}@example.com');
    const values: Record<string, string> = { givenname: 'Élodie', surname: 'Müller' };
    expect(renderTemplate(parts, (r) => values[r])).toEqual({ value: 'e.mueller@example.com' });
  });

  it('upper-cases', () => {
    expect(renderTemplate(parseTemplate('{surname|upper}'), () => 'Weiß')).toEqual({ value: 'WEISS' });
  });

  it('reports references that are missing or filter to nothing', () => {
    const parts = parseTemplate('{givenname|ascii}.{surname}');
    expect(renderTemplate(parts, (r) => (r === 'givenname' ? 'Anna' : undefined))).toEqual({ missing: ['surname'] });
    expect(renderTemplate(parts, (r) => (r === 'givenname' ? '!!' : 'x'))).toEqual({ missing: ['givenname'] });
  });

  it.each(['{givenname|nosuch}', 'plain text', '{given name}', '{a}}', '{{a}', '{}'])('rejects %s', (t) => {
    expect(() => parseTemplate(t)).toThrow(TemplateSyntaxError);
  });
});
