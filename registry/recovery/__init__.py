"""After an event: the after-action review (复盘) that feeds plan revision and re-inspection,
and the replenishment list (补库清单) that brings depots back to their quotas."""
