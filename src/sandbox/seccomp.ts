// A seccomp filter (classic BPF, handed to bubblewrap with --seccomp) that refuses the system
// calls a function never needs and that are the usual tools of kernel exploits and sandbox
// escapes: debugging other processes, kernel keyrings, eBPF, perf, userfaultfd, io_uring,
// modules, mounts, namespaces. Modelled on the Docker/Moby default profile's deny list.
// Syscall numbers are from the kernel's uapi headers (asm/unistd_64.h, asm-generic/unistd.h).

/** Syscalls refused with EPERM, by name, with their numbers on x86_64 and aarch64. */
const DENIED: Record<string, [x64: number, arm64: number]> = {
  ptrace: [101, 117],
  process_vm_readv: [310, 270],
  process_vm_writev: [311, 271],
  pidfd_getfd: [438, 438],
  kcmp: [312, 272],
  keyctl: [250, 219],
  add_key: [248, 217],
  request_key: [249, 218],
  bpf: [321, 280],
  perf_event_open: [298, 241],
  userfaultfd: [323, 282],
  io_uring_setup: [425, 425],
  io_uring_enter: [426, 426],
  io_uring_register: [427, 427],
  kexec_load: [246, 104],
  kexec_file_load: [320, 294],
  init_module: [175, 105],
  finit_module: [313, 273],
  delete_module: [176, 106],
  mount: [165, 40],
  umount2: [166, 39],
  pivot_root: [155, 41],
  open_tree: [428, 428],
  move_mount: [429, 429],
  fsopen: [430, 430],
  fsconfig: [431, 431],
  fsmount: [432, 432],
  fspick: [433, 433],
  mount_setattr: [442, 442],
  unshare: [272, 97],
  setns: [308, 268],
  swapon: [167, 224],
  swapoff: [168, 225],
  reboot: [169, 142],
  acct: [163, 89],
  quotactl: [179, 60],
  syslog: [103, 116],
  open_by_handle_at: [304, 265],
  name_to_handle_at: [303, 264],
  lookup_dcookie: [212, 18],
  fanotify_init: [300, 262],
  settimeofday: [164, 170],
  clock_settime: [227, 112],
  clock_adjtime: [305, 266],
  adjtimex: [159, 171],
  vhangup: [153, 58],
};

// <linux/audit.h>, <linux/seccomp.h>, <linux/filter.h>
const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
const X32_SYSCALL_BIT = 0x40000000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const RET_K = 0x06; // BPF_RET | BPF_K
// struct seccomp_data { int nr; __u32 arch; ... }
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;

type Instruction = [code: number, jt: number, jf: number, k: number];

/** The filter for this machine's architecture, or undefined where Bulwark has no syscall table. */
export function seccompProgram(arch: string = process.arch): Buffer | undefined {
  if (arch !== "x64" && arch !== "arm64") return undefined;
  const numbers = Object.values(DENIED).map(([x64, arm64]) => (arch === "x64" ? x64 : arm64));
  const program: Instruction[] = [
    [LD_W_ABS, 0, 0, OFFSET_ARCH],
    // Any other ABI (32-bit compat entry points) would bypass the numbers below: kill.
    [JEQ_K, 1, 0, AUDIT_ARCH[arch]],
    [RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS],
    [LD_W_ABS, 0, 0, OFFSET_NR],
  ];
  // x32 system calls on x86_64 carry bit 30 and reach the same kernel code: refuse them all.
  if (arch === "x64") program.push([JGE_K, numbers.length + 1, 0, X32_SYSCALL_BIT]);
  numbers.forEach((nr, i) => program.push([JEQ_K, numbers.length - i, 0, nr]));
  program.push([RET_K, 0, 0, SECCOMP_RET_ALLOW], [RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM]);
  return encode(program);
}

/** struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } in little-endian (x86_64, aarch64). */
function encode(program: Instruction[]): Buffer {
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], i) => {
    buffer.writeUInt16LE(code, i * 8);
    buffer.writeUInt8(jt, i * 8 + 2);
    buffer.writeUInt8(jf, i * 8 + 3);
    buffer.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buffer;
}
