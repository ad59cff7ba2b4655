// Secret-read audit records: nothing is answered before its record is committed, reads that
// arrive together share one commit, and a failed commit fails every read in it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupCommit } from "../../src/broker/group-commit.ts";
import type { AuditEntry, AuditRecord } from "../../src/security/audit/index.ts";

const entry = (n: number): AuditEntry => ({ actor: { type: "function", id: "charge" }, action: "secret.read", target: `secret:S${n}`, outcome: "success", requestId: `r${n}` });

/** An audit log that records each commit, or fails every one. */
function audit(fail = false) {
  const commits: string[][] = [];
  return {
    commits,
    appendBatch(entries: readonly AuditEntry[]): AuditRecord[] {
      if (fail) throw new Error("disk full");
      commits.push(entries.map((e) => e.target));
      return [];
    },
  };
}

describe("GroupCommit", () => {
  it("resolves each append only after a commit that holds its record", async () => {
    const log = audit();
    const group = new GroupCommit(log);
    let done = false;
    const read = group.append(entry(1)).then(() => (done = true));
    await Promise.resolve();
    assert.equal(done, false);
    assert.deepEqual(log.commits, []);
    await read;
    assert.deepEqual(log.commits, [["secret:S1"]]);
  });

  it("commits the reads that arrive together once, and later reads in their own commit", async () => {
    const log = audit();
    const group = new GroupCommit(log);
    await Promise.all([group.append(entry(1)), group.append(entry(2)), group.append(entry(3))]);
    await group.append(entry(4));
    assert.deepEqual(log.commits, [["secret:S1", "secret:S2", "secret:S3"], ["secret:S4"]]);
  });

  it("fails every read of a commit that fails: no value is handed out unaudited", async () => {
    const group = new GroupCommit(audit(true));
    const reads = [group.append(entry(1)), group.append(entry(2))];
    for (const read of reads) await assert.rejects(read, /disk full/);
  });

  it("commits what is waiting at once on flush", async () => {
    const log = audit();
    const group = new GroupCommit(log);
    const read = group.append(entry(1));
    group.flush();
    assert.deepEqual(log.commits, [["secret:S1"]]);
    await read;
  });
});
