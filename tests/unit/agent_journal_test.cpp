// An agent's journal against the event log in memory: numbering without
// gaps, what is appended where, snapshots, and rebuilding state at start.

#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "events/agent_journal.hpp"
#include "events/agent_recording.hpp"
#include "support/memory_event_log.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string agent_id = "01936f11-4ea2-7000-8000-000000000001";
const std::string message_id = "01936f22-7c43-7000-8000-000000000042";

agent_definition sage() {
  agent_definition d;
  d.name = "sage";
  d.id = agent_id;
  d.cluster = "orchestration";
  d.model.provider = "mock";
  d.model.model_name = "mock-1";
  return d;
}

journal_options fixed_clock(std::uint64_t snapshot_every = 100) {
  journal_options options;
  options.snapshot_every = snapshot_every;
  options.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1796333400123));
  };
  return options;
}

std::vector<std::uint64_t> sequences(const memory_event_log& log) {
  std::vector<std::uint64_t> out;
  for (const stored_record& record : log.records()) {
    if (auto envelope = envelope_from_json(record.payload))
      out.push_back(envelope->sequence);
  }
  return out;
}

} // namespace

TEST_CASE("a journal numbers events from 1 and appends each on its subject") {
  memory_event_log log;
  agent_journal journal(sage(), log, fixed_clock());
  CHECK(journal.record(agent_suspended{"pause"}, "c", "c") == 1);
  CHECK(journal.record(agent_activated{}, "d", "d") == 2);

  auto records = log.records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].subject == "agent.events.agent." + agent_id + ".suspended");
  json first = json::parse(records[0].payload);
  CHECK(first["aggregate_id"] == agent_id);
  CHECK(first["sequence"] == 1);
  CHECK(first["event"] == json{{"type", "AgentSuspended"}, {"reason", "pause"}});
  CHECK(first["timestamp"] == "2026-12-03T21:30:00.123Z");
  CHECK(first["correlation_id"] == "c");
  CHECK(records[1].subject == "agent.events.agent." + agent_id + ".activated");
  CHECK(journal.state().state == lifecycle::active);
  CHECK(log.announced().empty());
}

TEST_CASE("events recorded from several threads keep one gap-free sequence in log order") {
  memory_event_log log;
  agent_journal journal(sage(), log, fixed_clock(1000000));
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < 250; ++i)
        journal.record(response_chunk{message_id + std::to_string(t), i, "x"}, "m", "m");
    });
  }
  for (auto& thread : threads)
    thread.join();
  auto numbers = sequences(log);
  REQUIRE(numbers.size() == 1000);
  for (std::size_t i = 0; i < numbers.size(); ++i)
    CHECK(numbers[i] == i + 1);
}

TEST_CASE("with unified subjects on, each event is also announced on the agent's own subject") {
  memory_event_log log;
  journal_options options = fixed_clock();
  options.unified_subjects = true;
  agent_journal journal(sage(), log, options);
  journal.record(agent_suspended{"pause"}, "c", "c");
  auto announced = log.announced();
  REQUIRE(announced.size() == 1);
  CHECK(announced[0].subject == "agent.orchestration.sage." + agent_id + ".event.suspended");
  CHECK(announced[0].payload == log.records()[0].payload);
}

TEST_CASE("a new journal rebuilds state and numbering from the log") {
  memory_event_log log;
  model_config config;
  config.provider = "mock";
  config.model_name = "configured";
  {
    agent_journal journal(sage(), log, fixed_clock());
    journal.record(agent_decommissioned{"old"}, "a", "a");
    journal.record(agent_deployed{"person", "sage", "new"}, "b", "b");
    journal.record(model_configured{config}, "c", "c");
    journal.record(agent_activated{}, "d", "d");
    journal.record(agent_suspended{"pause"}, "e", "e");
  }
  agent_journal again(sage(), log, fixed_clock());
  journal_recovery found = again.recover();
  CHECK(found.events == 5);
  CHECK(found.sequence == 5);
  CHECK(found.missing == 0);
  CHECK(found.snapshot_sequence == 0);
  agent_snapshot state = again.state();
  CHECK(state.state == lifecycle::suspended);
  CHECK(state.model.model_name == "configured");
  CHECK(state.person_id == "person");
  CHECK(state.description == "new");
  CHECK(again.record(agent_activated{}, "f", "f") == 6);
}

TEST_CASE("an agent with no events starts from its definition") {
  memory_event_log log;
  agent_journal journal(sage(), log, fixed_clock());
  journal_recovery found = journal.recover();
  CHECK(found.sequence == 0);
  CHECK(journal.state().state == lifecycle::active);
  CHECK(journal.state().model.model_name == "mock-1");
}

TEST_CASE("another agent's events and unreadable records are skipped") {
  memory_event_log log;
  agent_journal other(sage(), log, fixed_clock());
  log.inject("agent.events.agent." + agent_id + ".suspended", "garbage");
  agent_definition stranger = sage();
  stranger.id = "01936f22-7c43-7000-8000-000000000002";
  event_envelope foreign{stranger.id, 1, agent_suspended{"x"}, "", "", ""};
  log.inject("agent.events.agent." + agent_id + ".suspended", envelope_to_json(foreign));
  journal_recovery found = other.recover();
  CHECK(found.skipped == 2);
  CHECK(found.events == 0);
  CHECK(other.state().state == lifecycle::active);
}

TEST_CASE("events out of order are folded in sequence order, and holes are counted") {
  memory_event_log log;
  const std::string subject = "agent.events.agent." + agent_id + ".x";
  log.inject(subject, envelope_to_json({agent_id, 2, agent_activated{}, "", "", ""}));
  log.inject(subject, envelope_to_json({agent_id, 1, agent_suspended{"p"}, "", "", ""}));
  log.inject(subject, envelope_to_json({agent_id, 2, agent_activated{}, "", "", ""}));
  log.inject(subject, envelope_to_json({agent_id, 5, agent_suspended{"q"}, "", "", ""}));
  agent_journal journal(sage(), log, fixed_clock());
  journal_recovery found = journal.recover();
  CHECK(found.events == 3);
  CHECK(found.missing == 2);
  CHECK(found.sequence == 5);
  CHECK(journal.state().state == lifecycle::suspended);
}

TEST_CASE("a snapshot every N events spares the start reading what it covers") {
  memory_event_log log;
  {
    agent_journal journal(sage(), log, fixed_clock(3));
    journal.record(agent_suspended{"p"}, "a", "a");
    journal.record(agent_activated{}, "b", "b");
    CHECK_FALSE(journal.snapshot_due());
    journal.record(agent_suspended{"q"}, "c", "c");
    REQUIRE(journal.snapshot_due());
    agent_snapshot current = journal.state();
    current.counters.inbox = 41;
    journal.write_snapshot(current);
    CHECK_FALSE(journal.snapshot_due());
    journal.record(agent_activated{}, "d", "d");
  }
  auto records = log.records();
  REQUIRE(records.size() == 5);
  CHECK(records[3].subject == "agent.events.agent." + agent_id + ".snapshot");
  json snapshot = json::parse(records[3].payload);
  CHECK(snapshot["sequence"] == 3);
  CHECK(snapshot["snapshot"]["lifecycle"] == "suspended");

  agent_journal again(sage(), log, fixed_clock(3));
  journal_recovery found = again.recover();
  CHECK(found.snapshot_sequence == 3);
  CHECK(found.events == 1);
  CHECK(found.sequence == 4);
  CHECK(again.state().state == lifecycle::active);
  CHECK(again.state().counters.inbox == 41);
}

TEST_CASE("a start after a graceful stop reads only the agent's last record") {
  memory_event_log log;
  {
    agent_journal journal(sage(), log, fixed_clock());
    journal.record(agent_suspended{"p"}, "a", "a");
    agent_snapshot current = journal.state();
    current.counters.inbox = 7;
    journal.write_snapshot(current);
  }
  agent_journal again(sage(), log, fixed_clock());
  journal_recovery found = again.recover();
  CHECK(log.read_calls() == 0);
  CHECK(found.snapshot_sequence == 1);
  CHECK(found.sequence == 1);
  CHECK(again.state().state == lifecycle::suspended);
  CHECK(again.state().counters.inbox == 7);
  CHECK(again.record(agent_activated{}, "b", "b") == 2);

  agent_definition fresh = sage();
  fresh.id = "01936f22-7c43-7000-8000-000000000002";
  agent_journal newcomer(fresh, log, fixed_clock());
  CHECK(newcomer.recover().sequence == 0);
  CHECK(log.read_calls() == 0);
}

TEST_CASE("a snapshot is written when counters changed even without new events") {
  memory_event_log log;
  agent_journal journal(sage(), log, fixed_clock());
  agent_snapshot current = journal.state();
  journal.write_snapshot(current);
  CHECK(log.records().empty());
  current.counters.ok = 3;
  journal.write_snapshot(current);
  journal.write_snapshot(current);
  current.counters.ok = 4;
  journal.write_snapshot(current);
  CHECK(log.records().size() == 2);

  agent_journal again(sage(), log, fixed_clock());
  again.recover();
  CHECK(again.state().counters.ok == 4);
}

TEST_CASE("a log that cannot be read stops the start") {
  memory_event_log log;
  log.fail_reads(true);
  agent_journal journal(sage(), log, fixed_clock());
  CHECK_THROWS_WITH(journal.recover(), "store unreachable");
}

TEST_CASE("conversation events carry the message id; a command's events a new id") {
  event_ids sent = ids_for(message_sent{message_id, "hi", {}});
  CHECK(sent.correlation_id == message_id);
  CHECK(sent.causation_id == message_id);
  event_ids command = ids_for(agent_activated{});
  CHECK(is_uuid(command.correlation_id));
  CHECK(command.causation_id == command.correlation_id);
  CHECK(ids_for(agent_activated{}).correlation_id != command.correlation_id);
}

TEST_CASE("chunks, then the end of the answer, are recorded with the message id") {
  memory_event_log log;
  auto journal = std::make_shared<agent_journal>(sage(), log, fixed_clock());
  auto on_chunk = chunk_recorder(journal, message_id);
  REQUIRE(on_chunk);
  on_chunk(0, "hel");
  on_chunk(1, "lo");
  chat_result done;
  done.ok = true;
  done.text = "hello";
  done.chunks = 2;
  record_result(journal.get(), message_id, done);
  chat_result failed;
  failed.error = "connection refused";
  record_result(journal.get(), message_id, failed);

  auto records = log.records();
  REQUIRE(records.size() == 4);
  const std::string prefix = "agent.events.agent." + agent_id + ".message." + message_id;
  CHECK(records[0].subject == prefix + ".chunk.0");
  CHECK(records[1].subject == prefix + ".chunk.1");
  CHECK(records[2].subject == prefix + ".completed");
  CHECK(records[3].subject == prefix + ".failed");
  json chunk = json::parse(records[1].payload);
  CHECK(chunk["event"]["content"] == "lo");
  CHECK(chunk["correlation_id"] == message_id);
  CHECK(json::parse(records[2].payload)["event"]["response"] == "hello");
  CHECK(json::parse(records[3].payload)["event"]["error"] == "connection refused");
  CHECK_FALSE(chunk_recorder(nullptr, message_id));
}
