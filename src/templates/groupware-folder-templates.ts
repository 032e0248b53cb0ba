import fs from 'node:fs';
import { OxprovError } from '../errors.js';
import { MODULES, type Module } from '../model/modules.js';

export interface GroupwareFolder { module: Module; name: string }

/** The default groupware folders per language (templates/groupware-folders.json). */
export class GroupwareFolderTemplates {
  private constructor(private readonly defaultLanguage: string, private readonly folders: { module: Module; names: Record<string, string> }[]) {}

  static load(file: string): GroupwareFolderTemplates {
    let data: { defaultLanguage?: unknown; folders?: unknown };
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read groupware folder templates ${file}`, { cause });
    }
    if (!Array.isArray(data.folders) || typeof data.defaultLanguage !== 'string') {
      throw new OxprovError('CFG_INVALID', `${file}: needs "defaultLanguage" and a "folders" list`);
    }
    const folders = data.folders.map((f: { module?: unknown; names?: unknown }, i: number) => {
      if (!MODULES.includes(f.module as Module) || typeof f.names !== 'object' || f.names === null) {
        throw new OxprovError('CFG_INVALID', `${file}: folders[${i}] needs a known "module" and "names"`);
      }
      return { module: f.module as Module, names: f.names as Record<string, string> };
    });
    return new GroupwareFolderTemplates(data.defaultLanguage.toUpperCase(), folders);
  }

  /** The user's default folders, named in `language` (or the default language). */
  foldersFor(language: string | undefined): GroupwareFolder[] {
    const lang = (language ?? this.defaultLanguage).toUpperCase();
    return this.folders.map((f) => ({ module: f.module, name: f.names[lang] ?? f.names[this.defaultLanguage] ?? f.module }));
  }
}
