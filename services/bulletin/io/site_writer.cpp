#include "services/bulletin/io/site_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "services/bulletin/store/bulletin_store.h"

namespace ducha::bulletin {
namespace {

namespace fs = std::filesystem;

Error Failed(const std::string& what, const std::string& path, const std::string& why) {
  return MakeError("publish_failed", "path", what + " " + path + ": " + why);
}

// Writes and syncs one file; false with errno set on failure.
bool WriteFile(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

void SyncDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::string SiteHash(const SiteFiles& files) {
  std::string all;
  for (const auto& [path, bytes] : files) {
    all += path;
    all += '\0';
    all += std::to_string(bytes.size());
    all += '\0';
    all += Sha256Hex(bytes);
    all += '\n';
  }
  return Sha256Hex(all);
}

Result<WrittenSite> SiteWriter::Write(const SiteFiles& files) {
  WrittenSite out;
  out.hash = SiteHash(files);
  out.files = static_cast<std::int64_t>(files.size());
  for (const auto& [path, bytes] : files) out.bytes += static_cast<std::int64_t>(bytes.size());
  const fs::path root(dir_);
  const fs::path releases = root / "releases";
  const fs::path current = root / "current";
  out.path = current.string();
  std::error_code ec;
  fs::create_directories(releases, ec);
  if (ec) return Failed("cannot create", releases.string(), ec.message());
  const std::string name = out.hash.substr(0, 16);
  const fs::path release = releases / name;
  if (fs::read_symlink(current, ec) == fs::path("releases") / name && fs::is_directory(release)) {
    return out;  // already served: nothing changes
  }
  if (!fs::is_directory(release)) {
    const fs::path tmp = releases / (".tmp-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(tmp, ec);
    for (const auto& [path, bytes] : files) {
      if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos) {
        return Failed("refusing to write", path, "not a relative path inside the site");
      }
      const fs::path file = tmp / path;
      fs::create_directories(file.parent_path(), ec);
      if (ec) return Failed("cannot create", file.parent_path().string(), ec.message());
      if (!WriteFile(file, bytes)) return Failed("cannot write", file.string(), strerror(errno));
    }
    for (const auto& entry : fs::recursive_directory_iterator(tmp)) {
      if (entry.is_directory()) SyncDir(entry.path());
    }
    SyncDir(tmp);
    fs::rename(tmp, release, ec);
    if (ec) return Failed("cannot rename into", release.string(), ec.message());
    SyncDir(releases);
  }
  const fs::path link = root / (".current-" + std::to_string(::getpid()));
  fs::remove(link, ec);
  fs::create_directory_symlink(fs::path("releases") / name, link, ec);
  if (ec) return Failed("cannot link", link.string(), ec.message());
  fs::rename(link, current, ec);  // rename(2) replaces the old symlink atomically
  if (ec) return Failed("cannot switch", current.string(), ec.message());
  SyncDir(root);
  out.changed = true;

  // Keep the newest releases (by modification time), always including the current one.
  std::vector<std::pair<fs::file_time_type, fs::path>> old;
  for (const auto& entry : fs::directory_iterator(releases, ec)) {
    if (!entry.is_directory() || entry.path() == release) continue;
    if (entry.path().filename().string().starts_with(".tmp-")) continue;
    old.emplace_back(fs::last_write_time(entry.path(), ec), entry.path());
  }
  std::sort(old.begin(), old.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = keep_ > 1 ? static_cast<std::size_t>(keep_ - 1) : 0; i < old.size(); ++i) {
    fs::remove_all(old[i].second, ec);
  }
  return out;
}

}  // namespace ducha::bulletin
