//! Task blocks decoded on a second thread in a large compact file: the reading thread
//! sends each block's payload, the decoding thread sends back the block's records
//! (keys, names as string ids, dependencies as ids, metadata), and the reading thread
//! adds them to the graph in one piece, in file order, so the first error in the file
//! is still the one reported.

use super::codec::{Bytes, FieldError};
use super::read::{EventDecoder, TaskScratch, relative, task_record};
use crate::graph::{Meta, TaskId};
use crate::trace::error::{ReadError, ReadErrorKind};
use crate::trace::read::{Reader, TaskRows};

/// What reading a compact file keeps from block to block.
pub(super) struct FileState<'scope> {
    /// The string table so far.
    pub(super) strings: Vec<Box<str>>,
    pub(super) scratch: TaskScratch,
    /// The graph's name id of each string id met as a group or op.
    pub(super) names: Vec<u32>,
    pub(super) events: EventDecoder,
    pub(super) tasks: TaskDecoding<'scope>,
}

impl FileState<'_> {
    /// Sends task block `block` to the decoding thread. Blocks wait for it up to a
    /// budget of bytes: this thread reads on (to the events, which it decodes itself)
    /// while the other decodes tasks, and a file of huge blocks cannot make memory
    /// grow without bound.
    pub(super) fn send(
        &mut self,
        reader: &mut Reader<'_>,
        block: usize,
        raw: Vec<u8>,
    ) -> Result<(), (usize, ReadError)> {
        let len = raw.len();
        self.merge_back(reader, |queued| queued + len > QUEUE_BYTES)?;
        let TaskDecoding::Thread {
            work,
            in_flight,
            queued,
            ..
        } = &mut self.tasks
        else {
            unreachable!("sent only once the thread runs");
        };
        // A thread that stopped (a panic) is resumed by `finish`.
        if work.send(Work::Tasks(block, raw)).is_ok() {
            *in_flight += 1;
            *queued += len;
        }
        self.merge_ready(reader)
    }

    /// Adds the task records already decoded.
    pub(super) fn merge_ready(
        &mut self,
        reader: &mut Reader<'_>,
    ) -> Result<(), (usize, ReadError)> {
        self.merge_back(reader, |_| false)
    }

    /// Adds every task record still on its way back.
    pub(super) fn merge_all(&mut self, reader: &mut Reader<'_>) -> Result<(), (usize, ReadError)> {
        self.merge_back(reader, |_| true)
    }

    /// Adds the task records sent back, in file order: those there already, and while
    /// `wait(bytes of blocks still out)` says so, the next ones as they come.
    fn merge_back(
        &mut self,
        reader: &mut Reader<'_>,
        wait: impl Fn(usize) -> bool,
    ) -> Result<(), (usize, ReadError)> {
        let TaskDecoding::Thread {
            batches,
            in_flight,
            queued,
            ..
        } = &mut self.tasks
        else {
            return Ok(());
        };
        while *in_flight > 0 {
            let batch = if wait(*queued) {
                batches.recv().ok()
            } else {
                batches.try_recv().ok()
            };
            let Some(batch) = batch else { break };
            *in_flight -= 1;
            *queued -= batch.as_ref().map_or(0, |b| b.raw_len);
            merge(reader, &self.strings, &mut self.names, batch)?;
        }
        Ok(())
    }
}

/// Adds a decoded block of task records to `reader` in one piece; `names` maps the
/// file's string ids to the graph's name ids as they are first met.
fn merge(
    reader: &mut Reader<'_>,
    strings: &[Box<str>],
    names: &mut Vec<u32>,
    batch: Decoded,
) -> Result<(), (usize, ReadError)> {
    let at = reader.at;
    let mut batch = batch.map_err(|(block, (field, message))| {
        let e = at.error(ReadErrorKind::Field, block, Some(field), message);
        (block, e)
    })?;
    if names.len() < strings.len() {
        names.resize(strings.len(), u32::MAX);
    }
    // String ids to name ids, in place.
    for id in batch.group.iter_mut().chain(batch.op.iter_mut()) {
        let name = &mut names[*id as usize];
        if *name == u32::MAX {
            *name = reader.name_id(&strings[*id as usize]);
        }
        *id = *name;
    }
    reader.task_rows(
        TaskRows {
            keys: &batch.keys,
            key_ends: &batch.key_ends,
            group: &batch.group,
            op: &batch.op,
            deps: &batch.deps,
            dep_ends: &batch.dep_ends,
            metas: batch.metas,
        },
        batch.block,
    );
    Ok(())
}

/// The task records of one block, decoded and checked on the decoding thread.
pub(super) struct TaskBatch {
    block: usize,
    /// Bytes of the block it was decoded from.
    raw_len: usize,
    /// The keys back to back; key `j` ends at `key_ends[j]`.
    keys: String,
    key_ends: Vec<usize>,
    /// Each task's group and op as string ids (checked); name ids once merged.
    group: Vec<u32>,
    op: Vec<u32>,
    /// Dependencies by id; task `j`'s end at `dep_ends[j]`.
    deps: Vec<TaskId>,
    dep_ends: Vec<usize>,
    /// The metadata of the tasks that have some, by task in the block.
    metas: Vec<(usize, Meta)>,
}

impl TaskBatch {
    /// The records of a task block whose first task has id `first`.
    fn decode(
        raw: &[u8],
        block: usize,
        first: u64,
        strings: &[Box<str>],
    ) -> Result<TaskBatch, FieldError> {
        let mut batch = TaskBatch {
            block,
            raw_len: raw.len(),
            keys: String::new(),
            key_ends: Vec::new(),
            group: Vec::new(),
            op: Vec::new(),
            deps: Vec::new(),
            dep_ends: Vec::new(),
            metas: Vec::new(),
        };
        let mut p = Bytes::new(raw);
        let (mut indices, mut backs) = (Vec::new(), Vec::new());
        while !p.is_empty() {
            let id = first + batch.group.len() as u64;
            let key_from = batch.keys.len();
            backs.clear();
            let record = task_record(&mut p, strings, &mut batch.keys, &mut indices, &mut backs)?;
            if batch.keys.len() == key_from {
                // As `Reader::task` says it of any file.
                return Err(("key", "is empty".to_string()));
            }
            for &back in &backs {
                let dep = relative(id, back.checked_neg().unwrap_or(i64::MAX), "deps")?;
                batch.deps.push(TaskId(dep));
            }
            batch.key_ends.push(batch.keys.len());
            batch.dep_ends.push(batch.deps.len());
            batch.group.push(record.group);
            batch.op.push(record.op);
            if !record.meta.is_empty() {
                batch.metas.push((batch.group.len() - 1, record.meta));
            }
        }
        Ok(batch)
    }
}

/// After this many bytes of task blocks, they are decoded on a thread of their own:
/// a small file is read without a thread to start (the fuzzer reads millions).
const THREAD_FROM_BYTES: usize = 4 << 20;

/// Bytes of task blocks that may wait for the decoding thread.
const QUEUE_BYTES: usize = 64 << 20;

/// Work for the task decoding thread, in file order.
pub(super) enum Work {
    /// Strings of a strings block.
    Strings(Vec<Box<str>>),
    /// A task block's number and payload: decoded and sent back.
    Tasks(usize, Vec<u8>),
}

/// A task block decoded, or its error.
pub(super) type Decoded = Result<TaskBatch, (usize, FieldError)>;

/// Where task blocks are decoded: here, or on a thread of their own.
pub(super) enum TaskDecoding<'scope> {
    /// Here; `bytes` of task blocks so far.
    Here { bytes: usize },
    Thread {
        work: std::sync::mpsc::Sender<Work>,
        batches: std::sync::mpsc::Receiver<Decoded>,
        /// Task blocks sent and not yet back, and their bytes.
        in_flight: usize,
        queued: usize,
        done: std::thread::ScopedJoinHandle<'scope, ()>,
    },
}

impl<'scope> TaskDecoding<'scope> {
    pub(super) fn strings(&mut self, new: &[Box<str>]) {
        if let TaskDecoding::Thread { work, .. } = self {
            // A thread that stopped (a panic) is resumed by `finish`.
            let _ = work.send(Work::Strings(new.to_vec()));
        }
    }

    /// Whether a task block of `len` bytes is to be decoded here; starts the decoding
    /// thread, with the strings so far, when the file proves large.
    pub(super) fn take_here<'env>(
        &mut self,
        len: usize,
        strings: &[Box<str>],
        tasks_before: usize,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> bool {
        let TaskDecoding::Here { bytes } = self else {
            return false;
        };
        if *bytes < THREAD_FROM_BYTES {
            *bytes += len;
            return true;
        }
        // What waits on either side is bounded by `send`'s budget of bytes.
        let (work, inbox) = std::sync::mpsc::channel::<Work>();
        let (to_reader, batches) = std::sync::mpsc::channel::<Decoded>();
        let mut known: Vec<Box<str>> = strings.to_vec();
        // Blocks come in file order: each one's first task follows the last one's.
        let mut next_id = tasks_before as u64;
        let done = scope.spawn(move || {
            for w in inbox {
                match w {
                    Work::Strings(s) => known.extend(s),
                    Work::Tasks(block, raw) => {
                        let batch =
                            TaskBatch::decode(&raw, block, next_id, &known).map_err(|e| (block, e));
                        if let Ok(b) = &batch {
                            next_id += b.group.len() as u64;
                        }
                        // Gone: the reader stopped at an error of its own.
                        if to_reader.send(batch).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        *self = TaskDecoding::Thread {
            work,
            batches,
            in_flight: 0,
            queued: 0,
            done,
        };
        false
    }

    /// Stops the decoding thread; a panic there is resumed here.
    pub(super) fn finish(self) {
        if let TaskDecoding::Thread {
            work,
            batches,
            done,
            ..
        } = self
        {
            drop((work, batches));
            if let Err(panic) = done.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}
