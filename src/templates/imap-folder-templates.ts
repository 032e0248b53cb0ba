import fs from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OxprovError } from '../errors.js';

interface Style { name: string; folders: string[]; roles: Map<string, string> }

/** A folder set as the template gives it: each folder with its role (`sent`, `trash`, … ; `inbox` for INBOX). */
export interface FolderStyle {
  readonly name: string;
  readonly language: string;
  readonly folders: readonly { readonly name: string; readonly role?: string }[];
}
interface Language { code: string; defaultStyle: string; styles: Map<string, Style> }

/**
 * The mail folder sets of the paper's ImapFolders.xml: per language a default
 * style, any style selectable by name (`--ox_user_create_imap_template`).
 */
export class ImapFolderTemplates {
  private constructor(readonly defaultLanguage: string, private readonly languageMap: Map<string, Language>) {}

  static load(file: string): ImapFolderTemplates {
    let xml: string;
    try {
      xml = fs.readFileSync(file, 'utf8');
    } catch (cause) {
      throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read the IMAP folder templates ${file}`, { cause });
    }
    return ImapFolderTemplates.parse(xml, file);
  }

  static parse(xml: string, source = 'ImapFolders.xml'): ImapFolderTemplates {
    const bad = (why: string) => new OxprovError('CFG_INVALID', `${source}: ${why}`, { field: 'templates.imapFolders' });
    if (/<!DOCTYPE/i.test(xml) || XMLValidator.validate(xml) !== true) throw bad('not well-formed XML (or has a DOCTYPE)');
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['language', 'style', 'folder'].includes(name), processEntities: true });
    const root = parser.parse(xml).ImapFolders;
    if (!root?.language) throw bad('needs an <ImapFolders> root with <language> elements');
    const languages = new Map<string, Language>();
    for (const l of root.language as { code?: string; defaultStyle?: string; style?: { name?: string; folder?: (string | { '#text': string })[] }[] }[]) {
      if (!l.code || !l.style?.length) throw bad('every <language> needs a code and at least one <style>');
      const styles = new Map<string, Style>();
      for (const s of l.style) {
        if (!s.name) throw bad(`a <style> of ${l.code} has no name`);
        const roles = new Map<string, string>();
        const folders = (s.folder ?? []).map((f) => {
          const name = (typeof f === 'string' ? f : String(f['#text'] ?? '')).trim();
          const role = typeof f === 'string' ? undefined : (f as { role?: string }).role;
          if (name && role) roles.set(name, role.toLowerCase());
          return name;
        }).filter(Boolean);
        if (!folders.some((f) => f.toUpperCase() === 'INBOX')) folders.unshift('INBOX');
        styles.set(s.name.toLowerCase(), { name: s.name, folders, roles });
      }
      const defaultStyle = l.defaultStyle ?? l.style[0].name!;
      if (!styles.has(defaultStyle.toLowerCase())) throw bad(`language ${l.code}: default style ${defaultStyle} is not defined`);
      languages.set(l.code.toUpperCase(), { code: l.code.toUpperCase(), defaultStyle, styles });
    }
    const def = String(root.defaultLanguage ?? [...languages.keys()][0]).toUpperCase();
    if (!languages.has(def)) throw bad(`defaultLanguage ${def} is not defined`);
    return new ImapFolderTemplates(def, languages);
  }

  get languages(): string[] {
    return [...this.languageMap.keys()];
  }

  get styles(): string[] {
    return [...this.languageMap.values()].flatMap((l) => [...l.styles.values()].map((s) => s.name));
  }

  /** The folders for a user: the named style if given, else the default style of the language (or of the default language). */
  foldersFor(language: string | undefined, style?: string): string[] {
    return [...this.find(language, style).folders];
  }

  /** The name of the style a user gets (as {@link foldersFor} chooses it). */
  styleFor(language: string | undefined, style?: string): string {
    return this.find(language, style).name;
  }

  /** Every style of every language, with each folder's role: what a mail server needs to make the folders itself. */
  allStyles(): FolderStyle[] {
    return [...this.languageMap.values()].flatMap((l) => [...l.styles.values()].map((s) => ({
      name: s.name, language: l.code, folders: s.folders.map((name) => ({ name, role: s.roles.get(name) ?? (name.toUpperCase() === 'INBOX' ? 'inbox' : undefined) })),
    })));
  }

  /** The default style of the default language: the set of a user without a language. */
  get defaultStyle(): string {
    return this.languageMap.get(this.defaultLanguage)!.defaultStyle;
  }

  private find(language: string | undefined, style?: string): Style {
    if (style) {
      for (const l of this.languageMap.values()) {
        const s = l.styles.get(style.toLowerCase());
        if (s) return s;
      }
      throw new OxprovError('MAP_INVALID_TEMPLATE', `no IMAP folder style named ${style}`, { field: 'ox_user_create_imap_template', value: style });
    }
    const lang = this.languageMap.get((language ?? this.defaultLanguage).toUpperCase()) ?? this.languageMap.get(this.defaultLanguage)!;
    return lang.styles.get(lang.defaultStyle.toLowerCase())!;
  }
}
