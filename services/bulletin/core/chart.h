#pragma once
// The bulletin's chart (图表): grouped bars per city, drawn with cairo, labels set with pango in
// a CJK font. DrawChart draws on any cairo context (the PDF draws it as vectors); RenderChartPng
// rasterises it for the mail, where the HTML shows it inline as cid:chart. Pure functions:
// nothing but the arguments decides the picture. Thread-safe (each call has its own surface and
// font map).

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"

typedef struct _cairo cairo_t;  // NOLINT: cairo's own forward declaration

namespace ducha::bulletin {

// The CJK font every rendering asks for (Debian: fonts-noto-cjk); fontconfig falls back to
// another CJK font when it is missing.
inline constexpr const char* kFontFamily = "Noto Sans CJK SC";

struct ChartSeries {
  std::string name;                  // legend label
  std::uint32_t rgb = 0;             // 0xRRGGBB
  std::vector<std::int64_t> values;  // one per category
};

struct ChartData {
  std::string title;
  std::vector<std::string> categories;  // x-axis labels (city names)
  std::vector<ChartSeries> series;
};

// One city's bars in the chart of problems by city.
struct CityStanding {
  std::string city;  // its name
  std::int64_t open = 0;
  std::int64_t overdue = 0;  // open and past the deadline
  std::int64_t closed = 0;
};
// The per-city chart of open, overdue and closed problems (未办结, 逾期未办结, 已办结) that the
// weekly bulletin and the round report both draw, in one set of colours.
ChartData CityStandingChart(std::string title, const std::vector<CityStanding>& cities);

inline constexpr int kChartWidth = 960;
inline constexpr int kChartHeight = 440;

// Draws the chart into the rectangle (0, 0, width, height) of `cr`'s user space.
void DrawChart(cairo_t* cr, const ChartData& data, double width, double height);

// The chart as PNG bytes, width × height pixels. Error render_failed when cairo fails.
Result<std::string> RenderChartPng(const ChartData& data, int width = kChartWidth,
                                   int height = kChartHeight);

}  // namespace ducha::bulletin
