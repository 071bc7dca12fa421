import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tabwrite } from '../../../src/base/tabwriter.js';
import { Template } from '../../../src/cli/template.js';

const render = (t: string, data: unknown): string => Template.parse(t).execute(data);

const c = {
  ID: 'abc123',
  Names: ['web', 'alias'],
  Labels: { b: '2', a: '1' },
  State: { Running: true, ExitCode: 0, Health: null },
  Ports: [],
};

test('fields, nested fields, json and missing keys as Go prints them', () => {
  assert.equal(render('{{.ID}}', c), 'abc123');
  assert.equal(render('{{.State.Running}}/{{.State.ExitCode}}', c), 'true/0');
  assert.equal(render('{{json .Labels}}', c), '{"b":"2","a":"1"}');
  assert.equal(render('{{.Labels}}', c), 'map[a:1 b:2]');
  assert.equal(render('{{.Names}}', c), '[web alias]');
  assert.equal(render('{{.Nope}}', c), '<no value>');
  assert.equal(render('{{.State.Health}}', c), '<nil>');
  assert.equal(render('{{json .}}', { a: 1 }), '{"a":1}');
});

test('pipelines, functions and literals', () => {
  assert.equal(render('{{.ID | upper}}', c), 'ABC123');
  assert.equal(render('{{join .Names ","}}', c), 'web,alias');
  assert.equal(render('{{index .Labels "a"}}', c), '1');
  assert.equal(render('{{truncate .ID 3}}', c), 'abc');
  assert.equal(render('{{printf "%s-%d" .ID 7}}', c), 'abc123-7');
  assert.equal(render('{{len .Names}}', c), '2');
  assert.equal(render('{{println .ID}}', c), 'abc123\n');
  assert.equal(render('{{(index .Names 0) | upper}}', c), 'WEB');
});

test('if / else if / else, with, range over lists and maps, variables', () => {
  assert.equal(render('{{if .State.Running}}up{{else}}down{{end}}', c), 'up');
  assert.equal(render('{{if eq .ID "x"}}x{{else if eq .ID "abc123"}}y{{else}}z{{end}}', c), 'y');
  assert.equal(render('{{with .State}}{{.ExitCode}}{{end}}', c), '0');
  assert.equal(render('{{range .Names}}[{{.}}]{{end}}', c), '[web][alias]');
  assert.equal(render('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', c), 'a=1;b=2;');
  assert.equal(render('{{range .Ports}}x{{else}}none{{end}}', c), 'none');
  assert.equal(render('{{$id := .ID}}{{range .Names}}{{$id}}:{{.}} {{end}}', c), 'abc123:web abc123:alias ');
  assert.equal(render('{{if and .State.Running (not .Ports)}}ok{{end}}', c), 'ok');
});

test('trim markers and the text around actions', () => {
  assert.equal(render('a  {{- .ID -}}  b', c), 'aabc123b');
  assert.equal(render('{{.ID}}\t{{.ID}}', c), 'abc123\tabc123');
});

test('syntax errors name the problem', () => {
  assert.throws(() => Template.parse('{{.ID'), /unclosed action/);
  assert.throws(() => Template.parse('{{if .X}}'), /unexpected EOF/);
  assert.throws(() => Template.parse('{{frob .X}}'), /function "frob" not defined/);
  assert.throws(() => Template.parse('{{end}}'), /unexpected \{\{end\}\}/);
});

test('tabwriter as Go lays out docker and runc tables', () => {
  assert.equal(
    tabwrite('CONTAINER ID\tIMAGE\tNAMES\nabc\tbusybox:latest\tweb\n', 10, 3),
    'CONTAINER ID   IMAGE            NAMES\nabc            busybox:latest   web\n',
  );
  // Column blocks: a line without the column ends the block.
  assert.equal(tabwrite('a\tb\nlonger line\nc\td\n', 1, 1), 'a b\nlonger line\nc d\n');
});
