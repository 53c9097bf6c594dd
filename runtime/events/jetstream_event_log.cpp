#include "events/jetstream_event_log.hpp"

#include <nats/nats.h>

#include <algorithm>

#include "app/log.hpp"
#include "events/event_envelope.hpp"

namespace agent_runtime {
namespace {

std::string describe(natsStatus status, jsErrCode code = static_cast<jsErrCode>(0)) {
  std::string text = natsStatus_GetText(status);
  const char* last = nats_GetLastError(nullptr);
  if (last && *last && text != last)
    text += ": " + std::string(last);
  if (code != 0)
    text += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  return text;
}

std::string subjects_of(const jsStreamConfig* config) {
  std::string out;
  for (int i = 0; config && i < config->SubjectsLen; ++i)
    out += (i ? ", " : "") + std::string(config->Subjects[i]);
  return out.empty() ? "none" : out;
}

bool takes_events(const jsStreamConfig* config) {
  for (int i = 0; config && i < config->SubjectsLen; ++i) {
    if (event_subjects::covers(config->Subjects[i], event_subjects::stream_filter))
      return true;
  }
  return false;
}

bool takes_some_events(const jsStreamConfig* config) {
  for (int i = 0; config && i < config->SubjectsLen; ++i) {
    if (event_subjects::overlap(config->Subjects[i], event_subjects::stream_filter))
      return true;
  }
  return false;
}

bool jetstream_missing(natsStatus status, jsErrCode code) {
  return status == NATS_NO_RESPONDERS || code == JSNotEnabledErr ||
         code == JSNotEnabledForAccountErr;
}

std::string header(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, key, &value) == NATS_OK && value)
    return value;
  return {};
}

} // namespace

jetstream_event_log::jetstream_event_log(natsConnection* connection, jetstream_options options) :
  options_(std::move(options)), connection_(connection), stream_(options_.stream),
  log_(component_logger("events")) {
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.PublishAsync.MaxPending = options_.max_pending;
  js_options.PublishAsync.StallWait = options_.stall_wait.count();
  js_options.PublishAsync.AckHandler = &jetstream_event_log::on_ack;
  js_options.PublishAsync.AckHandlerClosure = this;
  natsStatus status = natsConnection_JetStream(&js_, connection_, &js_options);
  if (status != NATS_OK)
    throw event_log_error("cannot use JetStream: " + describe(status));
  try {
    open_stream();
  } catch (...) {
    jsCtx_Destroy(js_);
    js_ = nullptr;
    throw;
  }
}

jetstream_event_log::~jetstream_event_log() {
  if (js_)
    jsCtx_Destroy(js_);
}

void jetstream_event_log::open_stream() {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&info, js_, stream_.c_str(), nullptr, &code);
  if (status == NATS_OK) {
    std::unique_ptr<jsStreamInfo, decltype(&jsStreamInfo_Destroy)> guard(info,
                                                                         jsStreamInfo_Destroy);
    if (!takes_events(info->Config))
      throw event_log_error(
        "stream " + stream_ + " exists but does not take " + event_subjects::stream_filter +
        " (its subjects: " + subjects_of(info->Config) + "); add " + event_subjects::stream_filter +
        " to it or name another stream in settings.stream");
    records_at_open_ = info->State.Msgs;
    empty_ = info->State.LastSeq == 0;
    log_->info("[events] using stream {} subjects=\"{}\" records={}", stream_,
               subjects_of(info->Config), records_at_open_);
    return;
  }
  if (jetstream_missing(status, code))
    throw event_log_error("JetStream is not enabled on the NATS server (" + describe(status, code) +
                          "): agent events need it; start nats-server with -js, or enable "
                          "JetStream for this account");
  if (code != JSStreamNotFoundErr)
    throw event_log_error("cannot read stream " + stream_ + ": " + describe(status, code));
  create_stream();
}

void jetstream_event_log::create_stream() {
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {event_subjects::stream_filter};
  config.Name = stream_.c_str();
  config.Description = "agent-runtime: lifecycle and conversation events of every agent";
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_AddStream(&info, js_, &config, nullptr, &code);
  if (status == NATS_OK) {
    jsStreamInfo_Destroy(info);
    empty_ = true;
    log_->info("[events] created stream {} subjects={} storage=file", stream_,
               event_subjects::stream_filter);
    return;
  }
  if (code == JSStreamSubjectOverlapErr)
    return use_covering_stream();
  throw event_log_error("cannot create stream " + stream_ + ": " + describe(status, code));
}

void jetstream_event_log::use_covering_stream() {
  jsStreamInfoList* list = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_Streams(&list, js_, nullptr, &code);
  if (status != NATS_OK)
    throw event_log_error("stream " + stream_ + " cannot be created, another stream takes " +
                          event_subjects::stream_filter +
                          ", and the streams cannot be listed: " + describe(status, code));
  std::unique_ptr<jsStreamInfoList, decltype(&jsStreamInfoList_Destroy)> guard(
    list, jsStreamInfoList_Destroy);

  for (int i = 0; i < list->Count; ++i) {
    const jsStreamInfo* info = list->List[i];
    if (takes_events(info->Config)) {
      log_->warn("[events] stream {} not created: stream {} already takes {} (its subjects: {}); "
                 "using {}",
                 stream_, info->Config->Name, event_subjects::stream_filter,
                 subjects_of(info->Config), info->Config->Name);
      stream_ = info->Config->Name;
      records_at_open_ = info->State.Msgs;
      empty_ = info->State.LastSeq == 0;
      return;
    }
  }
  for (int i = 0; i < list->Count; ++i) {
    const jsStreamInfo* info = list->List[i];
    if (takes_some_events(info->Config))
      throw event_log_error("stream " + std::string(info->Config->Name) + " takes part of " +
                            event_subjects::stream_filter +
                            " (its subjects: " + subjects_of(info->Config) + "), so stream " +
                            stream_ + " cannot be created and events would be split; give " +
                            event_subjects::stream_filter + " to one stream");
  }
  throw event_log_error("stream " + stream_ +
                        " cannot be created: its subjects overlap another "
                        "stream's, which could not be found");
}

void jetstream_event_log::append(const std::string& subject, const std::string& payload,
                                 const std::string& dedupe_id) {
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                     static_cast<int>(payload.size()));
  if (status == NATS_OK)
    status = natsMsgHeader_Set(msg, "Nats-Msg-Id", dedupe_id.c_str());
  if (status == NATS_OK)
    // The server refuses the record if the subject belongs to another stream.
    status = natsMsgHeader_Set(msg, "Nats-Expected-Stream", stream_.c_str());
  if (status == NATS_OK) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = options_.ack_wait.count();
    empty_ = false;
    status = js_PublishMsgAsync(js_, &msg, &options);
  }
  natsMsg_Destroy(msg);
  if (status == NATS_OK) {
    ++appended_;
    return;
  }
  ++lost_;
  log_->warn("[events] append failed, event lost subject={} error={} lost_total={}", subject,
             describe(status), lost_.load());
}

void jetstream_event_log::announce(const std::string& subject, const std::string& payload) {
  natsStatus status = natsConnection_Publish(connection_, subject.c_str(), payload.data(),
                                             static_cast<int>(payload.size()));
  if (status != NATS_OK)
    log_->warn("[events] publish failed subject={} error={}", subject, describe(status));
}

void jetstream_event_log::on_ack(jsCtx* js, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error,
                                 void* closure) {
  auto* self = static_cast<jetstream_event_log*>(closure);
  if (ack) {
    ++self->confirmed_;
    std::lock_guard<std::mutex> lock(self->retries_mutex_);
    if (!self->retries_.empty())
      self->retries_.erase(header(msg, "Nats-Msg-Id"));
  } else if (error) {
    std::string why = natsStatus_GetText(error->Err);
    if (error->ErrText && *error->ErrText)
      why += ": " + std::string(error->ErrText);
    self->retry_or_give_up(js, msg, why);
  }
  natsMsg_Destroy(msg);
}

void jetstream_event_log::retry_or_give_up(jsCtx* js, natsMsg*& msg, const std::string& why) {
  const std::string id = header(msg, "Nats-Msg-Id");
  const std::string subject = natsMsg_GetSubject(msg);
  int attempts = 0;
  {
    std::lock_guard<std::mutex> lock(retries_mutex_);
    attempts = ++retries_[id];
    if (attempts >= options_.max_attempts)
      retries_.erase(id);
  }
  if (attempts < options_.max_attempts) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = options_.ack_wait.count();
    // The same Nats-Msg-Id: if the first try did land, the server keeps one.
    if (js_PublishMsgAsync(js, &msg, &options) == NATS_OK) {
      ++retried_;
      log_->warn("[events] append not confirmed, retrying subject={} attempt={} error=\"{}\"",
                 subject, attempts + 1, why);
      return;
    }
  }
  ++lost_;
  ++abandoned_;
  log_->error("[events] append given up, event lost subject={} attempts={} error=\"{}\" "
              "lost_total={}",
              subject, attempts, why, lost_.load());
}

std::optional<stored_record> jetstream_event_log::last(const std::string& subject) {
  if (empty_)
    return std::nullopt;
  natsMsg* msg = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetLastMsg(&msg, js_, stream_.c_str(), subject.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND || code == JSNoMessageFoundErr)
    return std::nullopt;
  if (status != NATS_OK)
    throw event_log_error("cannot read " + subject + " from stream " + stream_ + ": " +
                          describe(status, code));
  stored_record record{
    natsMsg_GetSubject(msg),
    std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
    natsMsg_GetSequence(msg)};
  natsMsg_Destroy(msg);
  return record;
}

std::vector<stored_record> jetstream_event_log::read(const std::string& filter,
                                                     std::uint64_t after) {
  std::vector<stored_record> records;
  if (empty_)
    return records;

  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream_.c_str();
  options.Config.DeliverPolicy = after == 0 ? js_DeliverAll : js_DeliverByStartSequence;
  options.Config.OptStartSeq = after == 0 ? 0 : after + 1;
  // Pull consumers must acknowledge on this server; one ack per batch.
  options.Config.AckPolicy = js_AckAll;
  // Gone soon even if this process dies before removing it.
  options.Config.InactiveThreshold = std::int64_t{30} * 1000 * 1000 * 1000;
  // It lives for one read: no need to keep its state on disk.
  options.Config.MemoryStorage = true;
  natsSubscription* sub = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status =
    js_PullSubscribe(&sub, js_, filter.c_str(), nullptr, nullptr, &options, &code);
  if (status != NATS_OK)
    throw event_log_error("cannot read " + filter + " from stream " + stream_ + ": " +
                          describe(status, code));
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> guard(
    sub, [](natsSubscription* s) {
      natsSubscription_Unsubscribe(s);
      natsSubscription_Destroy(s);
    });

  jsConsumerInfo* info = nullptr;
  status = natsSubscription_GetConsumerInfo(&info, sub, nullptr, &code);
  if (status != NATS_OK)
    throw event_log_error("cannot read " + filter + ": " + describe(status, code));
  const std::uint64_t pending = info->NumPending;
  jsConsumerInfo_Destroy(info);

  while (records.size() < pending) {
    const int batch = static_cast<int>(std::min<std::uint64_t>(256, pending - records.size()));
    natsMsgList list{nullptr, 0};
    status = natsSubscription_Fetch(&list, sub, batch, 5000, &code);
    if (status != NATS_OK)
      throw event_log_error("cannot read " + filter + " (" + std::to_string(records.size()) +
                            " of " + std::to_string(pending) + " read): " + describe(status, code));
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* msg = list.Msgs[i];
      jsMsgMetaData* meta = nullptr;
      std::uint64_t position = 0;
      if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        position = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
      }
      records.push_back(
        {natsMsg_GetSubject(msg),
         std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
         position});
    }
    if (list.Count > 0)
      natsMsg_Ack(list.Msgs[list.Count - 1], nullptr);
    natsMsgList_Destroy(&list);
  }
  return records;
}

bool jetstream_event_log::flush(std::chrono::milliseconds limit) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = std::max<std::int64_t>(1, limit.count());
  natsStatus status = js_PublishAsyncComplete(js_, &options);
  if (status == NATS_OK)
    return true;

  natsMsgList pending{nullptr, 0};
  if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) {
    lost_ += static_cast<std::uint64_t>(pending.Count);
    abandoned_ += static_cast<std::uint64_t>(pending.Count);
    log_->error("[events] appends not confirmed before the stop, given up count={} error={}",
                pending.Count, describe(status));
    natsMsgList_Destroy(&pending);
  }
  return false;
}

event_log_counts jetstream_event_log::counts() const {
  event_log_counts now{appended_.load(), confirmed_.load(), retried_.load(), lost_.load(), 0};
  const std::uint64_t settled = now.confirmed + abandoned_.load();
  now.unconfirmed = now.appended > settled ? now.appended - settled : 0;
  return now;
}

} // namespace agent_runtime
