#include "services/bulletin/io/publisher.h"

#include "common/log/log.h"
#include "services/bulletin/store/bulletin_store.h"

namespace ducha::bulletin {

Result<Published> DisclosurePublisher::Publish(db::Connection& conn, Millis as_of,
                                               const std::string& trigger) {
  if (!enabled()) {
    return MakeError("not_configured", "bulletin.disclosure_dir",
                     "public disclosure is off: bulletin.disclosure_dir is not set");
  }
  const std::lock_guard lock(mu_);
  const auto started = std::chrono::steady_clock::now();
  const Projection projection =
      conn.Read([&](pqxx::read_transaction& tx) { return LoadProjection(tx, as_of); });
  const Disclosure disclosure = ComputeDisclosure(campaign_, projection, settings_.rules, as_of);
  const SiteFiles files = RenderSite(campaign_, disclosure, settings_.rules);
  auto written = writer_.Write(files);
  stats_.publications.fetch_add(1, std::memory_order_relaxed);
  auto log = log::Get("bulletin.disclosure");
  if (!written) {
    stats_.failures.fetch_add(1, std::memory_order_relaxed);
    log->error("publishing the disclosure failed: {}", written.error().message);
    return written.error();
  }
  Published out;
  out.as_of = as_of;
  out.site = std::move(written).value();
  out.problems = static_cast<std::int64_t>(disclosure.problems.size());
  out.listed = static_cast<std::int64_t>(disclosure.listed_count);
  out.blacklisted = static_cast<std::int64_t>(disclosure.blacklist.size());
  out.decisions = static_cast<std::int64_t>(disclosure.decision_count);
  stats_.problems = out.problems;
  stats_.bytes = out.site.bytes;
  if (out.site.changed) {
    stats_.changed.fetch_add(1, std::memory_order_relaxed);
    conn.Transact([&](pqxx::work& tx) {
      RecordPublication(tx, as_of, out.site.hash, out.site.files, out.site.bytes, trigger);
    });
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log->info(
        "published the disclosure ({}): {} problems, {} listed, {} decisions, {} blacklisted; "
        "{} files, {} bytes, release {} in {} ms",
        trigger, out.problems, out.listed, out.decisions, out.blacklisted, out.site.files,
        out.site.bytes, out.site.hash.substr(0, 16), ms);
  }
  return out;
}

}  // namespace ducha::bulletin
