// Go's text/tabwriter, which runc and the docker CLI lay their tables out with: cells end at a tab, a
// column's width is its widest cell plus padding (at least minwidth), worked out per block of
// consecutive lines that have that column, and the text after a line's last tab is not a column.

/** Lays out `text` (lines of tab-terminated cells) as Go's tabwriter.NewWriter(w, minwidth, 1, padding, ' ', 0). */
export function tabwrite(text: string, minwidth: number, padding: number): string {
  const trailingNewline = text.endsWith('\n');
  const lines = (trailingNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const width = (s: string): number => [...s].length;

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let line = '';
      cells.forEach((cell, j) => {
        line +=
          j < widths.length && j < cells.length - 1
            ? cell + ' '.repeat(Math.max(0, widths[j]! - width(cell)))
            : cell;
      });
      out.push(line);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      // A block of lines with a cell in this column starts here.
      writeLines(line0, i);
      line0 = i;
      let w = minwidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++)
        w = Math.max(w, width(lines[i]![column]!) + padding);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i; // the line that ended the block has no cell here: the loop's i++ passes it, as Go's does
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}
