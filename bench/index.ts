// `npm run bench`: prints the project's performance figures. Nothing here asserts on wall time;
// the goals are printed beside the figures for a person to judge.
import { benchMigrations } from './migrations';
import { benchRollout } from './rollout';
import { benchSynth } from './synth';

async function main(): Promise<void> {
  section('Synthesis and bundles');
  benchSynth();
  section('Rollout (default plan, rehearsed offline on a virtual clock)');
  await benchRollout();
  section('Migration checker vs squawk');
  await benchMigrations();
}

function section(title: string): void {
  console.log(`\n=== ${title} ===`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
