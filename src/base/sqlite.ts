// What every SQLite database of Berth's gets when it is opened (metadata.db, each snapshotter's snapshots.db).
import type Database from 'better-sqlite3';

/**
 * Makes db.prepare return one compiled statement per SQL text. The repositories prepare their
 * statements where they run them, which reads well but compiles the SQL on every call: a tenth of
 * berthd's time in a burst of container creates. No caller iterates a statement or switches one into
 * pluck/raw/expand mode, the two things a shared statement would make unsafe.
 */
export function cachePreparedStatements(db: Database.Database): void {
  const compile = db.prepare.bind(db);
  const statements = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = compile(sql)));
    return statement;
  }) as Database.Database['prepare'];
}
