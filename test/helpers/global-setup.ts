const esmImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;
export default async function globalSetup(): Promise<void> {
  const m = await esmImport('fauxqs');
  const s = await m.startFauxqs({ port: 0, logger: false });
  process.env.ZZ_FAUX = s.address;
  (globalThis as any).__faux = s;
}
