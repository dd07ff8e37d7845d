import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * Asking Dawn (the `webgpu` npm package) for a WebGPU adapter, and describing the one it returns.
 *
 * On Linux Dawn reaches GPUs through Vulkan: it needs the Vulkan loader (libvulkan.so.1) and at least one
 * Vulkan driver (an ICD manifest). Without either, Dawn only prints loader warnings to stderr and returns no
 * adapter, so those two are checked first (quietly, with a reason that says what to install). Everything else
 * is Dawn's answer: which adapter, and whether it is a software one (SwiftShader, llvmpipe, lavapipe).
 */

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of the GPU API (Dawn's isFallbackAdapter, or a known software driver). */
  software: boolean;
}

/** The WebGPU entry point Dawn hands out (navigator.gpu), typed only as far as we use it. */
export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>;
}

export type AdapterProbe = { ok: true; gpu: GpuLike; globals: Record<string, unknown>; info: AdapterInfo } | { ok: false; reason: string };

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|warp|basic render driver/i;

/** Human label: "google swiftshader (SwiftShader driver 5.0.0, software)". */
export function adapterLabel(a: AdapterInfo): string {
  const head = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const tail = [a.description || a.device, a.software ? 'software' : ''].filter(Boolean).join(', ');
  return tail ? `${head} (${tail})` : head;
}

/** Describe a GPUAdapter's info (a plain object or Dawn's GPUAdapterInfo with getters). */
export function describeAdapter(adapter: unknown): AdapterInfo {
  const a = adapter as { info?: Record<string, unknown>; isFallbackAdapter?: boolean };
  const i = a.info ?? {};
  const str = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : '');
  const info = { vendor: str('vendor'), architecture: str('architecture'), device: str('device'), description: str('description') };
  const fallback = i.isFallbackAdapter === true || a.isFallbackAdapter === true;
  return { ...info, software: fallback || SOFTWARE.test(`${info.architecture} ${info.device} ${info.description}`) };
}

function libraryDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean);
  return [
    ...dirs,
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
    '/usr/local/lib',
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  ];
}

/** Whether the dynamic linker can find libvulkan.so.1 (LD_LIBRARY_PATH, the usual folders, ld.so.cache). */
export function hasVulkanLoader(env: NodeJS.ProcessEnv = process.env): boolean {
  if (libraryDirs(env).some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

/** Vulkan driver manifests the loader would read: VK_ICD_FILENAMES / VK_DRIVER_FILES, else the standard folders. */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || '').split(delimiter).filter(Boolean);
  if (named.length) return named.filter((f) => existsSync(f));
  const roots = [
    env.XDG_CONFIG_HOME,
    '/etc/xdg',
    '/etc',
    env.XDG_DATA_HOME ?? (env.HOME ? join(env.HOME, '.local/share') : undefined),
    '/usr/local/share',
    '/usr/share',
  ];
  const out: string[] = [];
  for (const r of roots) {
    if (!r) continue;
    const d = join(r, 'vulkan', 'icd.d');
    try {
      for (const f of readdirSync(d)) if (f.endsWith('.json')) out.push(join(d, f));
    } catch {
      /* folder absent */
    }
  }
  return out;
}

/** Where Debian's chromium (and Chrome) keep the SwiftShader Vulkan driver, a CPU implementation of Vulkan. */
const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

/** The SwiftShader ICD manifest on this machine, or null: LLMR_SWIFTSHADER_ICD, a SwiftShader entry of VK_ICD_FILENAMES, else chromium's. */
export function findSwiftShaderIcd(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.LLMR_SWIFTSHADER_ICD) return existsSync(env.LLMR_SWIFTSHADER_ICD) ? env.LLMR_SWIFTSHADER_ICD : null;
  const named = (env.VK_ICD_FILENAMES ?? '').split(delimiter).filter((f) => /swiftshader/i.test(f));
  return [...named, ...SWIFTSHADER_ICDS].find((f) => existsSync(f)) ?? null;
}

/**
 * Environment for a child process that should see the SwiftShader adapter: VK_ICD_FILENAMES names its ICD,
 * and, when no system Vulkan loader exists, LD_LIBRARY_PATH gains the ICD's folder (chromium ships its own
 * libvulkan.so.1 there). The dynamic linker reads LD_LIBRARY_PATH only at process start, hence a child.
 * Null when no SwiftShader ICD is installed.
 */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | null {
  const icd = findSwiftShaderIcd(env);
  if (!icd) return null;
  const dir = dirname(icd);
  const out: NodeJS.ProcessEnv = { ...env, VK_ICD_FILENAMES: icd };
  delete out.VK_DRIVER_FILES;
  if (!hasVulkanLoader(env) && existsSync(join(dir, 'libvulkan.so.1'))) out.LD_LIBRARY_PATH = [dir, env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter);
  return out;
}

/** What to tell a person who wants the software adapter. */
export function swiftShaderHint(env: NodeJS.ProcessEnv = process.env): string {
  const icd = findSwiftShaderIcd(env);
  if (!icd) return "for a software adapter install Debian's chromium (it ships the SwiftShader Vulkan driver)";
  const e = swiftShaderEnv(env)!;
  return `for the software adapter run with VK_ICD_FILENAMES=${icd}${e.LD_LIBRARY_PATH && e.LD_LIBRARY_PATH !== env.LD_LIBRARY_PATH ? ` LD_LIBRARY_PATH=${dirname(icd)}` : ''} LLMR_BACKEND=webgpu`;
}

let cached: Promise<AdapterProbe> | null = null;

/**
 * Ask Dawn for an adapter (once per process: Dawn's instance is process-wide). Never throws: a missing
 * package, loader or driver, or Dawn's refusal, comes back as { ok: false, reason }.
 */
export function probeWebGpuAdapter(): Promise<AdapterProbe> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<AdapterProbe> {
  if (process.platform === 'linux') {
    if (!hasVulkanLoader())
      return {
        ok: false,
        reason: `no Vulkan loader (libvulkan.so.1), which Dawn needs on Linux: install libvulkan1 (and a GPU's Vulkan driver); ${swiftShaderHint()}`,
      };
    if (vulkanDrivers().length === 0)
      return { ok: false, reason: `no Vulkan driver (no ICD manifest in VK_ICD_FILENAMES or */vulkan/icd.d), so no WebGPU adapter; ${swiftShaderHint()}` };
  }
  let mod: { create: (o: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu' as string)) as typeof mod;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return { ok: false, reason: 'webgpu is not installed (optional dependency: Dawn for Node)' };
    return { ok: false, reason: `the webgpu package (Dawn) did not load: ${(e as Error).message.split('\n')[0]}` };
  }
  const gpu = mod.create([]);
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `Dawn's requestAdapter failed: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!adapter) return { ok: false, reason: `the webgpu package (Dawn) found no adapter among the Vulkan drivers ${vulkanDrivers().join(', ') || '(none)'}` };
  return { ok: true, gpu, globals: mod.globals, info: describeAdapter(adapter) };
}
