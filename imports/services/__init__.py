"""The import workflow: every write of an import goes through one of these functions.

Views, tasks, the admin, the JSON API and the `import_prime` command call them; none of them
re-implements a step. Functions are keyword-only and transactional.

- `upload`: a history file → an import session and its items.
- `sessions`: background matching (start, hand over, retry), finish, cancel, expiry.
- `review`: the steps of the review wizard, one film at a time.
"""

from imports.services.review import (
    AlreadyRanked,
    ItemHasNoMatch,
    ItemNotActionable,
    ItemRef,
    SessionRef,
    item_add,
    item_choose,
    item_choose_candidate,
    item_keep_existing,
    item_reopen,
    item_skip,
    item_undo,
)
from imports.services.sessions import (
    session_cancel,
    session_enqueue_matching,
    session_expire_now,
    session_finish,
    session_retry_matching,
    sessions_prune,
    sessions_requeue_stale,
)
from imports.services.upload import (
    ImportRejected,
    UploadResult,
    UploadsTooFrequent,
    session_create_from_file,
    session_create_from_upload,
    upload_check_rate,
    upload_check_size,
)

__all__ = [
    "AlreadyRanked",
    "ImportRejected",
    "ItemHasNoMatch",
    "ItemNotActionable",
    "ItemRef",
    "SessionRef",
    "UploadResult",
    "UploadsTooFrequent",
    "item_add",
    "item_choose",
    "item_choose_candidate",
    "item_keep_existing",
    "item_reopen",
    "item_skip",
    "item_undo",
    "session_cancel",
    "session_create_from_file",
    "session_create_from_upload",
    "session_enqueue_matching",
    "session_expire_now",
    "session_finish",
    "session_retry_matching",
    "sessions_prune",
    "sessions_requeue_stale",
    "upload_check_rate",
    "upload_check_size",
]
