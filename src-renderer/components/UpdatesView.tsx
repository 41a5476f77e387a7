// Every firmware update started in this window, newest first.
import { useOta } from '../stores/ota-store.js';
import { OtaJobCard } from './OtaJobCard.js';

export function UpdatesView() {
  const order = useOta((s) => s.jobOrder);
  return (
    <div className="view" data-testid="updates-view">
      {order.length === 0 ? (
        <div className="empty">No firmware updates yet. Select boards on the fleet dashboard and drop a firmware image (.bin) on them.</div>
      ) : (
        <div className="cards">
          {order.map((id) => (
            <OtaJobCard key={id} jobId={id} />
          ))}
        </div>
      )}
    </div>
  );
}
