// The fake Resend API as a process of its own, so its CPU is not counted as Quire's.
// Prints its URL on stdout, then serves until killed. Usage: tsx bench/fake-provider.ts [ratePerSecond]
import { startFakeResend } from '../test/helpers/fake-resend.ts';

const rate = Number(process.argv[2] ?? 0);
// Scanning, not parsing, batch bodies: the fake must not be what limits the measured throughput.
const fake = await startFakeResend({ scanOnly: true, ...(rate > 0 ? { ratePerSecond: rate } : {}) });
process.stdout.write(`${fake.url}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
