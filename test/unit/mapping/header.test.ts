import { describe, expect, it } from 'vitest';
import { mapper } from './helpers.js';

const BASE = ['username', 'password', 'surname', 'mail', 'colocrouteaddr'];
const pairs = (errors: { code: string; field?: string }[]) => errors.map((e) => [e.code, e.field]);

describe('header', () => {
  it('accepts adduser options in any case and schema attributes', () => {
    expect(mapper().header(['UserName', 'PASSWORD', 'Surname', 'mail', 'colocRouteAddr', 'birthday', 'TelephoneNumber'])).toEqual([]);
  });

  it('reports each unknown column once, up front, with its header line', () => {
    const errors = mapper().header([...BASE, 'shoeSize', 'favouriteColour'], 1);
    expect(pairs(errors)).toEqual([['MAP_UNKNOWN_ATTRIBUTE', 'shoeSize'], ['MAP_UNKNOWN_ATTRIBUTE', 'favouriteColour']]);
    expect(errors[0].line).toBe(1);
  });

  it('refuses attributes oxprov sets itself', () => {
    expect(pairs(mapper().header([...BASE, 'uid', 'userPassword', 'sn']))).toEqual([
      ['MAP_RESERVED_ATTRIBUTE', 'uid'], ['MAP_RESERVED_ATTRIBUTE', 'userPassword'], ['MAP_RESERVED_ATTRIBUTE', 'sn'],
    ]);
  });

  it('lets the reserved list be replaced', () => {
    expect(mapper({ reservedAttributes: [] }).header([...BASE, 'cn'])).toEqual([]);
  });

  it('refuses two columns for one target, including an attribute by its alias', () => {
    expect(pairs(mapper().header([...BASE, 'Mail ']))).toEqual([['MAP_DUPLICATE_COLUMN', 'Mail ']]);
    expect(pairs(mapper().header([...BASE, 'mobile', 'mobileTelephoneNumber']))).toEqual([['MAP_DUPLICATE_COLUMN', 'mobileTelephoneNumber']]);
  });

  it('reports mandatory fields that nothing provides', () => {
    expect(pairs(mapper().header(['username', 'surname', 'mail']))).toEqual([
      ['MAP_MISSING_FIELD', 'password'],
    ]);
    expect(mapper({ generatePasswords: true }).header(['username', 'surname', 'mail', 'colocrouteaddr'])).toEqual([]);
  });

  it('counts derive rules and defaults as providing a field', () => {
    const m = mapper({ mappingJson: { derive: { colocrouteaddr: '{username}@localhost' }, defaults: { surname: 'Unbekannt' } } });
    expect(m.header(['username', 'password', 'mail'])).toEqual([]);
  });

  it('reports mapped columns the file lacks', () => {
    const m = mapper({ mappingJson: { columns: { Nachname: 'surname' } } });
    expect(pairs(m.header(['username', 'password', 'mail', 'colocrouteaddr']))).toEqual([
      ['MAP_INVALID_MAPPING', 'columns.Nachname'], ['MAP_MISSING_FIELD', 'surname'],
    ]);
  });

  it('skips ignored and unnamed columns', () => {
    const m = mapper({ mappingJson: { ignore: ['Personalnummer'] } });
    expect(m.header([...BASE, 'personalnummer', '', ' '])).toEqual([]);
  });

  it('map() before header() is a programming error', () => {
    expect(() => mapper().map({}, 2)).toThrow(/header/);
  });
});
