#include "common/db/db.h"

#include <cstring>
#include <typeinfo>

namespace ducha::db {

ErrorKind Classify(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return ErrorKind::kRetryable;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return ErrorKind::kRetryable;
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return ErrorKind::kRetryable;
  }
  if (const auto* se = dynamic_cast<const pqxx::sql_error*>(&e)) {
    // libpqxx 6.4 throws specific subclasses (unique_violation, insufficient_privilege,
    // syntax_error, ...) without filling in sqlstate(), so an empty SQLSTATE means "server
    // crash" only on the plain sql_error class itself.
    if (typeid(e) != typeid(pqxx::sql_error)) return ErrorKind::kPermanent;
    const std::string& state = se->sqlstate();
    if (state.empty() || state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 ||
        state == "40001" || state == "40P01" || state == "53300") {
      return ErrorKind::kRetryable;
    }
    return ErrorKind::kPermanent;
  }
  // libpqxx 6.4 throws plain pqxx::failure for some lost-connection paths ("Lost connection").
  if (const auto* f = dynamic_cast<const pqxx::failure*>(&e)) {
    const char* what = f->what();
    if (std::strstr(what, "connection") != nullptr || std::strstr(what, "Connection") != nullptr) {
      return ErrorKind::kRetryable;
    }
  }
  return ErrorKind::kPermanent;
}

Connection::Connection(DbSettings settings, std::stop_token stop)
    : settings_(std::move(settings)), stop_(std::move(stop)), log_(log::Get("db")) {}

pqxx::connection& Connection::Raw() {
  if (stop_.stop_requested()) throw Stopped();
  if (!conn_ || !conn_->is_open()) {
    conn_.reset();
    std::string url = settings_.url;
    if (url.find("connect_timeout") == std::string::npos) url += " connect_timeout=5";
    if (url.find("keepalives") == std::string::npos) {
      url += " keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=3";
    }
    if (!settings_.application_name.empty() && url.find("application_name") == std::string::npos) {
      url += " application_name=" + settings_.application_name;
    }
    conn_ = std::make_unique<pqxx::connection>(url);
    stats_.reconnects.fetch_add(1, std::memory_order_relaxed);
  }
  return *conn_;
}

void Connection::Reset() { conn_.reset(); }

void Connection::ConnectWithRetry() {
  auto backoff = settings_.retry_initial;
  for (;;) {
    try {
      Raw();
      return;
    } catch (const Stopped&) {
      throw;
    } catch (const std::exception& e) {
      if (Classify(e) == ErrorKind::kPermanent) throw;
      OnRetryable(e, backoff);
    }
  }
}

void Connection::OnRetryable(const std::exception& e, std::chrono::milliseconds& backoff) {
  stats_.retries.fetch_add(1, std::memory_order_relaxed);
  // A lost connection cannot be trusted for the retry; libpqxx would reactivate it, but a fresh
  // one also clears any half-finished protocol state.
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr ||
      dynamic_cast<const pqxx::sql_error*>(&e) != nullptr || !conn_ || !conn_->is_open()) {
    conn_.reset();
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_warn_ > std::chrono::seconds(5)) {
    std::string msg = e.what();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    log_->warn("database unavailable for {} ({}), retrying in {} ms{}", settings_.application_name,
               msg, backoff.count(),
               suppressed_warnings_ > 0
                   ? fmt::format(" ({} similar messages suppressed)", suppressed_warnings_)
                   : std::string());
    last_warn_ = now;
    suppressed_warnings_ = 0;
  } else {
    ++suppressed_warnings_;
  }
  SleepOrStop(backoff);
  backoff = std::min(backoff * 2, settings_.retry_max);
}

void Connection::SleepOrStop(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stop_.stop_requested()) throw Stopped();
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(20), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           until - std::chrono::steady_clock::now()) +
                                           std::chrono::milliseconds(1)));
  }
}

bool Ping(const std::string& url, std::string* why) {
  try {
    pqxx::connection c{url + " connect_timeout=2"};
    pqxx::nontransaction n{c};
    n.exec("SELECT 1");
    return true;
  } catch (const std::exception& e) {
    if (why != nullptr) *why = e.what();
    return false;
  }
}

std::string QuoteIdent(const std::string& ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace ducha::db
