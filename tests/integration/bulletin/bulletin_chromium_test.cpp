// The disclosure site and the bulletin's HTML as a browser shows them: Debian's chromium renders
// them headless to screenshots, and the screenshots are read back (cairo's PNG reader) to check
// that each shows its page's content — dark text pixels in many lines, inside the page's column,
// the chart's bars in the bulletin — and that Chinese renders in the CJK font that
// deploy/local/install-deps.sh installs (fonts-noto-cjk): fontconfig's default for zh-CN is Noto
// Sans CJK, the page's default font draws exactly what Noto Sans CJK SC draws, and every
// character is its own glyph, not the same tofu box. Skipped only when chromium is not
// installed.

#include <cairo.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "services/bulletin/io/publisher.h"
#include "services/bulletin/io/runner.h"
#include "tests/integration/bulletin/bulletin_fixture.h"

namespace ducha::bulletin::itest {
namespace {

namespace fs = std::filesystem;

std::string Command(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// A screenshot as 8-bit RGB pixels.
struct Shot {
  int width = 0;
  int height = 0;
  std::vector<std::array<std::uint8_t, 3>> pixels;

  const std::array<std::uint8_t, 3>& At(int x, int y) const {
    return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
  bool Dark(int x, int y) const {
    const auto& p = At(x, y);
    return 299 * p[0] + 587 * p[1] + 114 * p[2] < 128'000;
  }
};

std::optional<Shot> ReadPng(const std::string& path) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return std::nullopt;
  }
  cairo_surface_flush(s);
  Shot shot;
  shot.width = cairo_image_surface_get_width(s);
  shot.height = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < shot.height; ++y) {
    for (int x = 0; x < shot.width; ++x) {
      std::uint32_t px = 0;
      std::memcpy(&px, data + y * stride + x * 4, 4);  // native-endian ARGB32 / RGB24
      shot.pixels.push_back({static_cast<std::uint8_t>((px >> 16) & 0xff),
                             static_cast<std::uint8_t>((px >> 8) & 0xff),
                             static_cast<std::uint8_t>(px & 0xff)});
    }
  }
  cairo_surface_destroy(s);
  return shot;
}

// What the text pixels of a screenshot look like.
struct Ink {
  std::int64_t dark = 0;
  int left = 1 << 30, top = 1 << 30, right = -1, bottom = -1;
  int lines = 0;  // bands of rows holding dark pixels, separated by blank rows
};

Ink Measure(const Shot& s) {
  Ink ink;
  bool in_line = false;
  for (int y = 0; y < s.height; ++y) {
    bool row = false;
    for (int x = 0; x < s.width; ++x) {
      if (!s.Dark(x, y)) continue;
      row = true;
      ++ink.dark;
      ink.left = std::min(ink.left, x);
      ink.right = std::max(ink.right, x);
      ink.top = std::min(ink.top, y);
      ink.bottom = std::max(ink.bottom, y);
    }
    if (row && !in_line) ++ink.lines;
    in_line = row;
  }
  return ink;
}

class BulletinChromiumTest : public BulletinDbTest {
 protected:
  void SetUp() override {
    BulletinDbTest::SetUp();
    chromium_ = Chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium is not installed: install Debian's chromium package "
                      "(deploy/local/install-deps.sh does) to run the screenshot tests";
    }
    dir_ = ::testing::TempDir() + "bulletin-chromium-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);  // kept for a look when failed
  }

  // Renders `page` in headless chromium at width × height and reads the screenshot back.
  std::optional<Shot> Screenshot(const std::string& page, int width, int height) {
    const std::string png = dir_ + "/shot-" + std::to_string(++shots_) + ".png";
    const std::string cmd =
        "timeout 90 " + chromium_ +
        " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run "
        "--user-data-dir=" +
        dir_ + "/profile --screenshot=" + png + " --window-size=" + std::to_string(width) + "," +
        std::to_string(height) + " file://" + page + " >" + dir_ + "/chromium.log 2>&1";
    (void)Command(cmd);
    auto shot = ReadPng(png);
    if (!shot) {
      ADD_FAILURE() << "no screenshot of " << page << ":\n"
                    << Command("tail -20 " + dir_ + "/chromium.log");
    }
    return shot;
  }

  void Write(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

  std::string chromium_;
  std::string dir_;
  int shots_ = 0;
};

TEST_F(BulletinChromiumTest, FontconfigsChineseDefaultIsTheInstalledCjkFont) {
  const std::string match = Command("fc-match 'sans-serif:lang=zh-cn'");
  EXPECT_TRUE(match.find("Noto Sans CJK") != std::string::npos ||
              match.find("WenQuanYi") != std::string::npos)
      << match;
}

TEST_F(BulletinChromiumTest, ChineseRendersInTheCjkFontWithARealGlyphForEveryCharacter) {
  // Each character in a cell of its own: with the default font of a zh-CN page, with the
  // installed font named, and private-use characters no font has (tofu).
  const std::string text = "督察快报石家庄";
  auto page = [](const std::string& font, const std::string& chars) {
    std::string cells;
    for (std::size_t i = 0; i < chars.size(); i += 3) {
      cells +=
          "<span style=\"display:inline-block;width:96px;height:96px;line-height:96px;"
          "text-align:center\">" +
          chars.substr(i, 3) + "</span>";
    }
    return "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"></head><body "
           "style=\"margin:0;background:#fff;color:#000;font-family:" +
           font + ";font-size:72px\"><div style=\"white-space:nowrap\">" + cells +
           "</div></body></html>";
  };
  Write(dir_ + "/default.html", page("sans-serif", text));
  Write(dir_ + "/noto.html", page("'Noto Sans CJK SC'", text));
  Write(dir_ + "/tofu.html", page("sans-serif",
                                  "\xee\x80\x80\xee\x80\x81\xee\x80\x82\xee\x80\x83"
                                  "\xee\x80\x84\xee\x80\x85\xee\x80\x86"));
  // Headless chromium needs some height; the cells are the top 96 rows.
  const auto def = Screenshot(dir_ + "/default.html", 7 * 96, 240);
  const auto noto = Screenshot(dir_ + "/noto.html", 7 * 96, 240);
  const auto tofu = Screenshot(dir_ + "/tofu.html", 7 * 96, 240);
  ASSERT_TRUE(def && noto && tofu);
  EXPECT_EQ(def->pixels, noto->pixels) << "the page's default Chinese font is Noto Sans CJK SC";
  // Every cell holds ink, and no two cells are the same picture (tofu boxes would be).
  std::set<std::vector<bool>> glyphs;
  for (int cell = 0; cell < 7; ++cell) {
    std::vector<bool> bits;
    std::int64_t dark = 0;
    for (int y = 0; y < 96; ++y) {
      for (int x = cell * 96; x < (cell + 1) * 96; ++x) {
        bits.push_back(def->Dark(x, y));
        dark += def->Dark(x, y) ? 1 : 0;
      }
    }
    EXPECT_GT(dark, 150) << "cell " << cell << " is blank";
    glyphs.insert(std::move(bits));
  }
  EXPECT_EQ(glyphs.size(), 7u) << "every character has its own glyph";
  EXPECT_NE(def->pixels, tofu->pixels) << "Chinese does not look like missing glyphs";
}

TEST_F(BulletinChromiumTest, TheSitesIndexAndTheBulletinShowTheirContent) {
  // Some data: problems of two cities, one listed, a blacklisted enterprise.
  Intake(Accepted(1, "2017-11-20T10:00:00+08:00"),
         Accepted(2, "2017-11-21T10:00:00+08:00", "130202"));
  pd::ProblemAssigned listed = Assigned(103, "2017-11-20T09:00:00+08:00", "2017-12-20", "130104");
  listed.listed = true;
  listed.listing_reason = pd::ListingReason::kOperator;
  Dispatch(Assigned(101, "2017-11-01T09:00:00+08:00", "2017-11-15"),
           Assigned(102, "2017-11-20T09:00:00+08:00", "2017-12-11", "130202"), listed);
  pr::Blacklisted black;
  black.enterprise = "91130100MA07L7XT37";
  black.name = "石家庄某化工有限公司";
  black.points = 12;
  black.reason = "12分";
  black.by = "ops-1";
  black.at = At("2017-11-23T12:00:00+08:00");
  Review(black);

  PublishSettings publish;
  publish.dir = dir_ + "/site";
  DisclosurePublisher publisher(publish, Hebei());
  const auto published = publisher.Publish(conn_, At("2017-11-25T09:30:00+08:00"), "test");
  ASSERT_TRUE(published.ok()) << published.error().message;
  const std::string index = fs::canonical(dir_ + "/site/current/index.html");
  const auto site = Screenshot(index, 1200, 1400);
  ASSERT_TRUE(site);
  const Ink ink = Measure(*site);
  EXPECT_GT(ink.dark, 20'000) << "the index is not blank";
  EXPECT_GE(ink.lines, 15) << "title, summary, the city table's rows, the latest problems";
  // The text sits in the page's centred column: 1000px wide (1032 with the padding) in 1200.
  EXPECT_GE(ink.left, 96);
  EXPECT_LE(ink.left, 110);
  EXPECT_LE(ink.right, 1100);
  EXPECT_GE(ink.right, 1000) << "the tables span the column";
  EXPECT_LE(ink.top, 60);

  // The bulletin's HTML, its chart as a file beside it.
  const Week week = WeekCalendar::Create(480, D("2017-11-20"), D("2017-12-04"), {})->Issue(1);
  const Numbers numbers = conn_.Read([&](pqxx::read_transaction& tx) {
    return ComputeNumbers(Hebei(), LoadProjection(tx, week.cutoff), week);
  });
  const Document doc = BuildDocument(numbers, Hebei(), "河北省大气办");
  const auto png = RenderChartPng(doc.chart);
  ASSERT_TRUE(png.ok());
  Write(dir_ + "/mail/chart.png", *png);
  Write(dir_ + "/mail/bulletin.html", RenderHtml(doc, "chart.png"));
  const auto mail = Screenshot(dir_ + "/mail/bulletin.html", 1000, 4400);
  ASSERT_TRUE(mail);
  const Ink m = Measure(*mail);
  EXPECT_GT(m.dark, 40'000);
  EXPECT_GE(m.lines, 30);
  // The chart's bars (open: #1f6fb2) show: the inline image rendered.
  std::int64_t bars = 0;
  for (const auto& p : mail->pixels) {
    if (std::abs(p[0] - 0x1f) < 24 && std::abs(p[1] - 0x6f) < 24 && std::abs(p[2] - 0xb2) < 24) {
      ++bars;
    }
  }
  EXPECT_GT(bars, 200) << "the chart is visible";
}

}  // namespace
}  // namespace ducha::bulletin::itest
