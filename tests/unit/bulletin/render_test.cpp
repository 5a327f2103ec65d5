// The bulletin's document and its three renderings: email-safe HTML that shows the chart inline,
// plain text, the chart as a PNG of the expected size, and a PDF whose Chinese text poppler's
// pdftotext can read back; the generated analysis names the places that fell behind.

#include "services/bulletin/core/render.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "services/bulletin/core/document.h"
#include "services/bulletin/core/labels.h"
#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::Claimed;
using testing::F;
using testing::Hebei;
using testing::Problem;
using testing::Report;
using testing::Week47;

const char* kIssuer = "河北省大气污染防治工作领导小组办公室　河北省环境保护督查中心";

// A week in which 唐山 and its 路南区 fall behind and 石家庄 does well.
Numbers SampleNumbers() {
  Projection p;
  std::int64_t id = 0;
  for (int i = 0; i < 4; ++i) {
    p.reports.push_back(Report(++id, "2017-11-20T10:00:00+08:00", "citizen_web", 130202));
  }
  p.reports.push_back(Report(++id, "2017-11-21T10:00:00+08:00", "citizen_hotline", 130102, true));
  for (int i = 0; i < 3; ++i) {
    p.problems.push_back(Problem(100 + i, "2017-11-01T09:00:00+08:00", "2017-11-15", 130202));
  }
  p.problems.push_back(Problem(110, "2017-11-01T09:00:00+08:00", "2017-11-20", 130102));
  p.problems.push_back(Problem(111, "2017-11-20T09:00:00+08:00", "2017-12-11", 130102));
  p.facts = {Claimed(110, "2017-11-19T10:00:00+08:00", "2017-11-20", false),
             F(110, "2017-11-22T10:00:00+08:00", FactKind::kRectified)};
  return ComputeNumbers(Hebei(), p, Week47());
}

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

std::uint32_t BigEndian32(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

TEST(BulletinDocument, AnalysisNamesTheCitiesAndCountiesThatFellBehind) {
  const Numbers n = SampleNumbers();
  std::string all;
  for (const std::string& p : Analysis(n, Hebei())) all += p;
  EXPECT_NE(all.find("全省共受理问题5个"), std::string::npos) << all;
  EXPECT_NE(all.find("逾期未办结问题较多的市：唐山市（3个）"), std::string::npos) << all;
  EXPECT_NE(all.find("路南区（唐山市）3个"), std::string::npos) << all;
  EXPECT_NE(all.find("按期办结率低于全省水平的市：唐山市（0.0%）"), std::string::npos) << all;
  EXPECT_EQ(all.find("石家庄市（"), std::string::npos) << "石家庄 did not fall behind: " << all;
}

TEST(BulletinDocument, AWeekWithoutOverdueProblemsSaysSo) {
  const Numbers n = ComputeNumbers(Hebei(), Projection{}, Week47());
  std::string all;
  for (const std::string& p : Analysis(n, Hebei())) all += p;
  EXPECT_NE(all.find("全省无逾期未办结问题"), std::string::npos) << all;
  EXPECT_EQ(all.find("较多的市"), std::string::npos);
}

TEST(BulletinDocument, ReviewSectionsSayNoneThisWeekWithoutDataAndCountWithIt) {
  const Document empty = BuildDocument(SampleNumbers(), Hebei(), kIssuer);
  const std::string text = RenderText(empty);
  EXPECT_NE(text.find("五、复查情况\n\n  本周无。"), std::string::npos) << text;
  EXPECT_NE(text.find("六、问责情况\n\n  本周无。"), std::string::npos);
  EXPECT_NE(text.find("黑名单：本周无。"), std::string::npos);

  Numbers n = SampleNumbers();
  n.reinspected_passed = 2;
  n.recommendations = 1;
  n.recommendation_levels = {LevelCount{"interview", "约谈", 1}};
  n.blacklist_added = 3;
  const std::string with = RenderText(BuildDocument(n, Hebei(), kIssuer));
  EXPECT_NE(with.find("现场复查通过"), std::string::npos);
  EXPECT_NE(with.find("本周提出问责建议1件"), std::string::npos);
  EXPECT_NE(with.find("黑名单：本周新增企业3家"), std::string::npos);
}

TEST(BulletinRender, HtmlIsEmailSafeAndShowsTheChartInline) {
  const std::string html = RenderHtml(BuildDocument(SampleNumbers(), Hebei(), kIssuer));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos) << "no external resources";
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("<img src=\"cid:chart\""), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("督察快报"), std::string::npos);
  EXPECT_NE(html.find("第11期"), std::string::npos);
  EXPECT_NE(html.find(">石家庄市<"), std::string::npos);
  EXPECT_NE(html.find("按期办结率 = 按期办结数 ÷（累计办结数 + 逾期未办结数）"), std::string::npos);
}

TEST(BulletinRender, HtmlEscapesEveryText) {
  Document doc = BuildDocument(SampleNumbers(), Hebei(), "<script>alert(1)</script>");
  doc.sections[0].blocks.push_back(Block{Block::Kind::kParagraph, "a & b \"<img>\"", {}});
  const std::string html = RenderHtml(doc);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("a &amp; b &quot;&lt;img&gt;&quot;"), std::string::npos);
}

TEST(BulletinRender, TextAlignsColumnsForCjkWidths) {
  const std::string text = RenderText(BuildDocument(SampleNumbers(), Hebei(), kIssuer));
  EXPECT_NE(text.find("督察快报"), std::string::npos);
  EXPECT_EQ(text.find('<'), std::string::npos);
  // Every line of the city table has the same display width up to its last column.
  std::size_t shijiazhuang = text.find("  石家庄市");
  std::size_t tangshan = text.find("  唐山市");
  ASSERT_NE(shijiazhuang, std::string::npos);
  ASSERT_NE(tangshan, std::string::npos);
  const std::string a = text.substr(shijiazhuang, text.find('\n', shijiazhuang) - shijiazhuang);
  const std::string b = text.substr(tangshan, text.find('\n', tangshan) - tangshan);
  EXPECT_EQ(DisplayWidth(a), DisplayWidth(b)) << a << "\n" << b;
  EXPECT_EQ(DisplayWidth("石家庄市 12"), 11u);
}

TEST(BulletinRender, ChartIsAPngOfTheRequestedSize) {
  const Document doc = BuildDocument(SampleNumbers(), Hebei(), kIssuer);
  ASSERT_EQ(doc.chart.categories.size(), 14u);
  ASSERT_EQ(doc.chart.series.size(), 3u);
  EXPECT_EQ(doc.chart.series[1].values[1], 3) << "唐山's overdue bar";
  const auto png = RenderChartPng(doc.chart);
  ASSERT_TRUE(png.ok()) << png.error().message;
  ASSERT_GT(png->size(), 1000u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  EXPECT_EQ(BigEndian32(*png, 16), static_cast<std::uint32_t>(kChartWidth));
  EXPECT_EQ(BigEndian32(*png, 20), static_cast<std::uint32_t>(kChartHeight));
  EXPECT_EQ(BigEndian32(*RenderChartPng(doc.chart, 300, 200), 16), 300u);
  EXPECT_FALSE(RenderChartPng(doc.chart, 0, 10).ok());
}

TEST(BulletinRender, PdfIsAPdfWhoseChineseTitlePdftotextReads) {
  const Numbers n = SampleNumbers();
  auto rendered = RenderNumbers(n, Hebei(), kIssuer);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message;
  const std::string& pdf = rendered->pdf;
  ASSERT_GT(pdf.size(), 1000u);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  const std::string path = ::testing::TempDir() + "bulletin-render-test.pdf";
  std::ofstream(path, std::ios::binary) << pdf;
  const std::string text = Shell("pdftotext -enc UTF-8 " + path + " - 2>&1");
  std::filesystem::remove(path);
  EXPECT_NE(text.find("督察快报"), std::string::npos) << text.substr(0, 400);
  EXPECT_NE(text.find("第11期"), std::string::npos);
  EXPECT_NE(text.find(Hebei().info().name), std::string::npos);
  EXPECT_NE(text.find("唐山市"), std::string::npos);
  EXPECT_NE(text.find("各市问题办理情况"), std::string::npos)
      << "the chart's title, drawn in the PDF";
  EXPECT_EQ(rendered->subject.find("督察快报 第11期（11月18日—11月24日）"), 0u)
      << rendered->subject;
}

TEST(BulletinRender, TheSameNumbersRenderTheSameTextAndHtml) {
  const Document a = BuildDocument(SampleNumbers(), Hebei(), kIssuer);
  const Document b = BuildDocument(SampleNumbers(), Hebei(), kIssuer);
  EXPECT_EQ(RenderText(a), RenderText(b));
  EXPECT_EQ(RenderHtml(a), RenderHtml(b));
  EXPECT_EQ(*RenderChartPng(a.chart), *RenderChartPng(b.chart));
}

}  // namespace
}  // namespace ducha::bulletin
