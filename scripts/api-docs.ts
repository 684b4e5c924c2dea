// npm run docs:api: writes docs/api/core.md and docs/api/angular.md from the TSDoc of the packages'
// public entry points, with the TypeScript compiler API (no generator dependency). Run it after
// changing a public export; the files are committed, so a review shows the API change.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface EntryPoint {
  /** The import specifier users write. */
  readonly specifier: string;
  readonly file: string;
}

interface Page {
  readonly output: string;
  readonly title: string;
  readonly intro: string;
  readonly entries: readonly EntryPoint[];
}

const pages: readonly Page[] = [
  {
    output: 'docs/api/core.md',
    title: '@latchkey/core',
    intro: 'The framework-free session engine. Everything here is exported from the package root, except the compat helpers.',
    entries: [
      { specifier: '@latchkey/core', file: 'packages/core/src/index.ts' },
      { specifier: '@latchkey/core/compat', file: 'packages/core/src/compat.ts' },
    ],
  },
  {
    output: 'docs/api/angular.md',
    title: '@latchkey/angular',
    intro: 'The Angular adapter, and its testing entry point.',
    entries: [
      { specifier: '@latchkey/angular', file: 'packages/angular/src/index.ts' },
      { specifier: '@latchkey/angular/testing', file: 'packages/angular/testing/src/index.ts' },
    ],
  },
];

const program = ts.createProgram(
  pages.flatMap((page) => page.entries.map((entry) => join(root, entry.file))),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    baseUrl: root,
    // The sources, not the built packages: the reference never lags behind a build.
    paths: {
      '@latchkey/core': ['packages/core/src/index.ts'],
      '@latchkey/angular': ['packages/angular/src/index.ts'],
    },
  },
);
const checker = program.getTypeChecker();
const printer = ts.createPrinter({ removeComments: true });

type Kind = 'Functions' | 'Classes' | 'Interfaces' | 'Types' | 'Constants' | 'Enums';
const kindOrder: readonly Kind[] = ['Functions', 'Classes', 'Interfaces', 'Types', 'Constants', 'Enums'];

interface Item {
  readonly name: string;
  readonly kind: Kind;
  readonly markdown: string;
}

function kindOf(declaration: ts.Declaration): Kind | undefined {
  if (ts.isFunctionDeclaration(declaration)) return 'Functions';
  if (ts.isClassDeclaration(declaration)) return 'Classes';
  if (ts.isInterfaceDeclaration(declaration)) return 'Interfaces';
  if (ts.isTypeAliasDeclaration(declaration)) return 'Types';
  if (ts.isVariableDeclaration(declaration)) return 'Constants';
  if (ts.isEnumDeclaration(declaration)) return 'Enums';
  return undefined;
}

/** `{@link X}` and `{@link X text}` as code spans; the rest of the TSDoc is Markdown already. */
function prose(value: string): string {
  return value.replace(
    /\{@link\s+([^\s}|]+)(?:[\s|]+([^}]*))?\}/g,
    (_all, target: string, label?: string) => `\`${label?.trim() || target}\``,
  );
}

interface Doc {
  readonly summary: string;
  readonly tags: readonly { readonly name: string; readonly text: string }[];
}

const blockTags = new Set(['param', 'returns', 'return', 'throws', 'see', 'example', 'internal', 'packageDocumentation']);

/**
 * The declaration's own TSDoc comment, split into the summary and its block tags. Parsed from the
 * source rather than with the compiler's tag parser, which reads `@if` in a fenced template as a tag.
 */
function docOf(declaration: ts.Node): Doc {
  const jsDoc = ts.getJSDocCommentsAndTags(declaration).filter(ts.isJSDoc).at(-1);
  if (!jsDoc) return { summary: '', tags: [] };
  const raw = jsDoc.getSourceFile().text.slice(jsDoc.pos, jsDoc.end);
  const lines = raw
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  const summary: string[] = [];
  const tags: { name: string; lines: string[] }[] = [];
  let fenced = false;
  for (const line of lines) {
    const tag = fenced ? null : /^@(\w+)\s?(.*)$/.exec(line.trim());
    if (tag && blockTags.has(tag[1] as string)) {
      tags.push({ name: tag[1] as string, lines: [tag[2] as string] });
    } else {
      (tags.at(-1)?.lines ?? summary).push(line);
    }
    if (line.trim().startsWith('```')) fenced = !fenced;
  }
  const join = (parts: string[]) => parts.join('\n').trim();
  return {
    summary: join(summary),
    tags: tags.map((tag) => ({ name: tag.name === 'return' ? 'returns' : tag.name, text: join(tag.lines) })),
  };
}

function isInternal(declaration: ts.Node): boolean {
  return docOf(declaration).tags.some((tag) => tag.name === 'internal');
}

/** The summary, then `@param`, `@returns`, `@throws`, `@see` and `@example`, as Markdown. */
function docs(declaration: ts.Node, headingLevel: number): string {
  const { summary, tags } = docOf(declaration);
  const out: string[] = [];
  if (summary) out.push(prose(summary));
  const params = tags.filter((tag) => tag.name === 'param');
  if (params.length > 0) {
    out.push(
      '**Parameters**\n\n' +
        params
          .map((tag) => {
            const [, name = '', description = ''] = /^(\S+)\s*(?:-\s*)?([\s\S]*)$/.exec(tag.text) ?? [];
            return `- \`${name}\`${description ? ` — ${prose(description.replace(/\s*\n\s*/g, ' '))}` : ''}`;
          })
          .join('\n'),
    );
  }
  for (const [name, label] of [
    ['returns', 'Returns'],
    ['throws', 'Throws'],
    ['see', 'See'],
  ] as const) {
    const values = tags.filter((tag) => tag.name === name).map((tag) => prose(tag.text.replace(/\s*\n\s*/g, ' ')));
    if (values.length === 1) out.push(`**${label}:** ${values[0]}`);
    else if (values.length > 1) out.push(`**${label}:**\n\n${values.map((value) => `- ${value}`).join('\n')}`);
  }
  for (const example of tags.filter((tag) => tag.name === 'example')) {
    const body = example.text;
    out.push(`${'#'.repeat(headingLevel + 1)} Example\n\n${body.includes('```') ? body : `\`\`\`ts\n${body}\n\`\`\``}`);
  }
  return out.join('\n\n');
}

function code(value: string): string {
  return `\`\`\`ts\n${value.trim()}\n\`\`\``;
}

function isHidden(name: string, declaration: ts.Node): boolean {
  return name.startsWith('ɵ') || name.startsWith('#') || isInternal(declaration);
}

function typeText(node: ts.Node): string {
  return checker.typeToString(
    checker.getTypeAtLocation(node),
    node,
    ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
  );
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').replace(/\(\s/g, '(').replace(/\s\)/g, ')').trim();
}

/** Parameters as a caller sees them: a default value becomes `?`, its expression stays internal. */
function parameters(node: ts.SignatureDeclaration): string {
  return node.parameters
    .map((p) => {
      const optional = p.questionToken || p.initializer ? '?' : '';
      const type = p.type ? p.type.getText() : typeText(p.name);
      return `${p.dotDotDotToken ? '...' : ''}${p.name.getText()}${optional}: ${oneLine(type)}`;
    })
    .join(', ');
}

function signature(node: ts.SignatureDeclaration, name: string): string {
  const typeParameters = node.typeParameters ? `<${node.typeParameters.map((t) => t.getText()).join(', ')}>` : '';
  const returns = node.type ? `: ${oneLine(node.type.getText())}` : '';
  return `${name}${typeParameters}(${parameters(node)})${returns}`;
}

/** One public member of an interface or class: its signature and its TSDoc. */
function member(node: ts.ClassElement | ts.TypeElement, headingLevel: number): string | undefined {
  const flags = ts.getCombinedModifierFlags(node as unknown as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return undefined;
  let line: string;
  if (ts.isConstructorDeclaration(node)) {
    if (node.parameters.length === 0) return undefined;
    line = `constructor(${parameters(node)})`;
  } else {
    if (!node.name || ts.isPrivateIdentifier(node.name)) return undefined;
    const name = node.name.getText();
    if (isHidden(name, node)) return undefined;
    const readonly = flags & ts.ModifierFlags.Readonly ? 'readonly ' : '';
    const isStatic = flags & ts.ModifierFlags.Static ? 'static ' : '';
    const optional = (node as { questionToken?: ts.QuestionToken }).questionToken ? '?' : '';
    if (ts.isMethodDeclaration(node) || ts.isMethodSignature(node)) {
      line = `${isStatic}${signature(node, `${name}${optional}`)}`;
    } else if (ts.isGetAccessorDeclaration(node)) {
      line = `get ${name}(): ${typeText(node.name)}`;
    } else if (ts.isPropertyDeclaration(node) || ts.isPropertySignature(node)) {
      // A field with an initializer (`readonly user = computed(...)`): its inferred type is the API.
      const type = node.type ? oneLine(node.type.getText()) : typeText(node.name);
      line = `${isStatic}${readonly}${name}${optional}: ${type}`;
    } else {
      line = oneLine(node.getText());
    }
  }
  const doc = docs(node, headingLevel);
  return `- \`${line.replace(/`/g, "'")}\`${doc ? `\n\n${indent(doc)}` : ''}`;
}

function indent(value: string): string {
  return value
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}

/** A union of string literals with a comment on each member (an error code list) as a table. */
function literalTable(node: ts.TypeAliasDeclaration): string | undefined {
  if (!ts.isUnionTypeNode(node.type)) return undefined;
  const source = node.getSourceFile().text;
  const rows: string[] = [];
  for (const type of node.type.types) {
    if (!ts.isLiteralTypeNode(type) || !ts.isStringLiteral(type.literal)) return undefined;
    const comment = (ts.getLeadingCommentRanges(source, type.pos) ?? [])
      .map((range) => source.slice(range.pos, range.end))
      .join(' ')
      .replace(/^\/\*\*?|\*\/$/g, '')
      .replace(/\s*\n\s*\*\s?/g, ' ')
      .trim();
    if (!comment) return undefined;
    rows.push(`| \`${type.literal.text}\` | ${prose(comment).replace(/\|/g, '\\|')} |`);
  }
  return `| value | meaning |\n| --- | --- |\n${rows.join('\n')}`;
}

function heritage(node: ts.ClassDeclaration | ts.InterfaceDeclaration): string {
  const typeParameters = node.typeParameters ? `<${node.typeParameters.map((t) => t.getText()).join(', ')}>` : '';
  const clauses = (node.heritageClauses ?? []).map((clause) => oneLine(clause.getText())).join(' ');
  return `${typeParameters}${clauses ? ` ${clauses}` : ''}`;
}

/**
 * Members an interface gets from a base type that the entry point does not export (e.g. a
 * `Pick<>` of an internal port type): they are part of the public API all the same.
 */
function inherited(declaration: ts.ClassDeclaration | ts.InterfaceDeclaration, exported: ReadonlySet<string>): ts.TypeElement[] {
  if (!ts.isInterfaceDeclaration(declaration) || !declaration.heritageClauses) return [];
  const own = new Set(declaration.members.map((m) => m.name?.getText()));
  const out: ts.TypeElement[] = [];
  for (const clause of declaration.heritageClauses) {
    for (const base of clause.types) {
      const baseName = base.expression.getText();
      if (exported.has(baseName)) continue;
      for (const property of checker.getPropertiesOfType(checker.getTypeAtLocation(base))) {
        const source = property.declarations?.find((d): d is ts.TypeElement => ts.isPropertySignature(d) || ts.isMethodSignature(d));
        if (source && !own.has(property.getName())) out.push(source);
      }
    }
  }
  return out;
}

function render(name: string, declaration: ts.Declaration, origin: string | undefined, exported: ReadonlySet<string>): string {
  const level = 3;
  const heading = `${'#'.repeat(level)} \`${name}\``;
  if (origin) return `${heading}\n\nRe-exported from \`${origin}\`: see [${origin}](core.md#${name.toLowerCase()}).`;
  const parts: string[] = [heading];
  if (ts.isFunctionDeclaration(declaration)) {
    parts.push(code(`function ${signature(declaration, name)}`));
  } else if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
    parts.push(code(`${ts.isClassDeclaration(declaration) ? 'class' : 'interface'} ${name}${heritage(declaration)}`));
  } else if (ts.isTypeAliasDeclaration(declaration)) {
    const table = literalTable(declaration);
    const union = declaration.type as ts.UnionTypeNode;
    parts.push(
      code(
        table
          ? `type ${name} = ${union.types.map((t) => t.getText()).join(' | ')}`
          : printer.printNode(ts.EmitHint.Unspecified, declaration, declaration.getSourceFile()).replace(/^export\s+/, ''),
      ),
    );
    parts.push(docs(declaration, level));
    if (table) parts.push(table);
    return parts.filter((part) => part.trim() !== '').join('\n\n');
  } else if (ts.isVariableDeclaration(declaration)) {
    parts.push(code(`const ${name}: ${declaration.type ? oneLine(declaration.type.getText()) : typeText(declaration.name)}`));
  } else if (ts.isEnumDeclaration(declaration)) {
    parts.push(code(printer.printNode(ts.EmitHint.Unspecified, declaration, declaration.getSourceFile()).replace(/^export\s+/, '')));
  }
  parts.push(docs(declaration, level));
  if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
    const own = [...declaration.members] as (ts.ClassElement | ts.TypeElement)[];
    const members = [...own, ...inherited(declaration, exported)].map((m) => member(m, level + 1)).filter((m) => m !== undefined);
    if (members.length > 0) parts.push(`**Members**\n\n${members.join('\n\n')}`);
  }
  return parts.filter((part) => part.trim() !== '').join('\n\n');
}

/** Which package a re-export comes from, when it is not the entry point's own. */
function originOf(declaration: ts.Declaration, entry: EntryPoint): string | undefined {
  const file = declaration.getSourceFile().fileName;
  if (entry.specifier.startsWith('@latchkey/angular') && file.includes('/packages/core/')) return '@latchkey/core';
  return undefined;
}

function itemsOf(entry: EntryPoint): Item[] {
  const source = program.getSourceFile(join(root, entry.file));
  if (!source) throw new Error(`api-docs: ${entry.file} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`api-docs: ${entry.file} has no exports`);
  const items: Item[] = [];
  const names = new Set(checker.getExportsOfModule(moduleSymbol).map((e) => e.getName()));
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const name = exported.getName();
    const declaration = symbol.declarations?.find((d) => kindOf(d) !== undefined);
    if (!declaration) throw new Error(`api-docs: cannot document ${entry.specifier} export "${name}"`);
    if (isHidden(name, declaration)) continue;
    items.push({ name, kind: kindOf(declaration) as Kind, markdown: render(name, declaration, originOf(declaration, entry), names) });
  }
  return items;
}

/** The `@packageDocumentation` comment at the top of an entry point, if it has one. */
function moduleNote(entry: EntryPoint): string {
  const source = program.getSourceFile(join(root, entry.file)) as ts.SourceFile;
  const first = source.statements[0];
  const range = first ? (ts.getLeadingCommentRanges(source.text, first.pos) ?? [])[0] : undefined;
  if (!range) return '';
  const raw = source.text.slice(range.pos, range.end);
  if (!raw.includes('@packageDocumentation')) return '';
  return raw
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .filter((line) => !line.includes('@packageDocumentation'))
    .join('\n')
    .trim();
}

async function renderPage(page: Page): Promise<string> {
  const sections: string[] = [
    `# ${page.title} API reference`,
    '<!-- Generated by `npm run docs:api` (scripts/api-docs.ts) from the TSDoc in the sources. Do not edit by hand. -->',
    page.intro,
  ];
  for (const entry of page.entries) {
    sections.push(`## \`${entry.specifier}\``);
    const note = moduleNote(entry);
    if (note) sections.push(note);
    const items = itemsOf(entry).sort((a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || a.name.localeCompare(b.name));
    for (const item of items) sections.push(item.markdown);
  }
  const options = (await prettier.resolveConfig(join(root, page.output))) ?? {};
  return prettier.format(`${sections.join('\n\n')}\n`, { ...options, parser: 'markdown' });
}

for (const page of pages) {
  const output = join(root, page.output);
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, await renderPage(page));
  console.log(`api-docs: wrote ${page.output}`);
}
