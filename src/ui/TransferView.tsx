// The live view of `lazyoci pull`, `copy` and `push FILE`: one transfer.
import { ColorContext } from './Tint.js';
import type { TransferVerb } from './progress-text.js';
import type { TransferSnapshot } from './transfer-progress.js';
import { TransferRow } from './TransferRow.js';

export interface TransferViewProps {
  title: string;
  verb: TransferVerb;
  snapshot: TransferSnapshot;
  color: boolean;
}

export function TransferView({ title, verb, snapshot, color }: TransferViewProps) {
  return (
    <ColorContext.Provider value={color}>
      {/* A failed command prints its error right below; the view does not repeat it. */}
      <TransferRow title={title} snapshot={snapshot} verb={verb} showError={false} />
    </ColorContext.Provider>
  );
}
