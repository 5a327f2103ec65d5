#include "services/bulletin/core/chart.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace ducha::bulletin {
namespace {

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
using Layout = std::unique_ptr<PangoLayout, LayoutDeleter>;

void SetRgb(cairo_t* cr, std::uint32_t rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                       (rgb & 0xff) / 255.0);
}

Layout Text(cairo_t* cr, const std::string& text, double size_pt, bool bold = false) {
  Layout layout(pango_cairo_create_layout(cr));
  PangoFontDescription* font = pango_font_description_new();
  pango_font_description_set_family(font, kFontFamily);
  pango_font_description_set_absolute_size(font, size_pt * PANGO_SCALE);
  pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(layout.get(), font);
  pango_font_description_free(font);
  pango_layout_set_text(layout.get(), text.c_str(), static_cast<int>(text.size()));
  return layout;
}

// Width and height of a layout in user units.
std::pair<double, double> Extent(PangoLayout* layout) {
  int w = 0;
  int h = 0;
  pango_layout_get_size(layout, &w, &h);
  return {static_cast<double>(w) / PANGO_SCALE, static_cast<double>(h) / PANGO_SCALE};
}

void Show(cairo_t* cr, PangoLayout* layout, double x, double y) {
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
}

// A "nice" axis step (1, 2 or 5 × 10^k) giving about `ticks` intervals up to `max`.
std::int64_t NiceStep(std::int64_t max, int ticks) {
  if (max <= ticks) return 1;
  const double raw = static_cast<double>(max) / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(nice * magnitude));
}

}  // namespace

void DrawChart(cairo_t* cr, const ChartData& data, double width, double height) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, 0, 0, width, height);
  cairo_fill(cr);

  const double unit = height / 440.0;  // sizes scale with the chart
  const double left = 56 * unit;
  const double right = width - 16 * unit;
  const double top = 64 * unit;
  const double bottom = height - 48 * unit;

  // Title and legend.
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  Layout title = Text(cr, data.title, 17 * unit, true);
  const auto [tw, th] = Extent(title.get());
  Show(cr, title.get(), (width - tw) / 2, 8 * unit);
  double lx = left;
  const double ly = 8 * unit + th + 6 * unit;
  for (const ChartSeries& s : data.series) {
    SetRgb(cr, s.rgb);
    cairo_rectangle(cr, lx, ly + 3 * unit, 14 * unit, 10 * unit);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    Layout label = Text(cr, s.name, 12 * unit);
    Show(cr, label.get(), lx + 18 * unit, ly);
    lx += 18 * unit + Extent(label.get()).first + 18 * unit;
  }

  // Axis.
  std::int64_t max = 0;
  for (const ChartSeries& s : data.series) {
    for (std::int64_t v : s.values) max = std::max(max, v);
  }
  const std::int64_t step = NiceStep(std::max<std::int64_t>(max, 1), 5);
  const std::int64_t axis_max = ((std::max<std::int64_t>(max, 1) + step - 1) / step) * step;
  const double plot_h = bottom - top;
  auto y_of = [&](std::int64_t v) {
    return bottom - plot_h * static_cast<double>(v) / static_cast<double>(axis_max);
  };
  cairo_set_line_width(cr, 1 * unit);
  for (std::int64_t v = 0; v <= axis_max; v += step) {
    const double y = std::round(y_of(v)) + 0.5;
    cairo_set_source_rgb(cr, v == 0 ? 0.3 : 0.85, v == 0 ? 0.3 : 0.85, v == 0 ? 0.3 : 0.85);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, right, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    Layout tick = Text(cr, std::to_string(v), 11 * unit);
    const auto [w, h] = Extent(tick.get());
    Show(cr, tick.get(), left - 6 * unit - w, y - h / 2);
  }

  // Bars, one group per category.
  const std::size_t groups = data.categories.size();
  const std::size_t per_group = std::max<std::size_t>(data.series.size(), 1);
  if (groups > 0) {
    const double group_w = (right - left) / static_cast<double>(groups);
    const double bar_w = group_w * 0.78 / static_cast<double>(per_group);
    for (std::size_t g = 0; g < groups; ++g) {
      const double gx = left + group_w * static_cast<double>(g) + group_w * 0.11;
      for (std::size_t s = 0; s < data.series.size(); ++s) {
        const ChartSeries& series = data.series[s];
        const std::int64_t v = g < series.values.size() ? series.values[g] : 0;
        const double x = gx + bar_w * static_cast<double>(s);
        SetRgb(cr, series.rgb);
        cairo_rectangle(cr, x, y_of(v), bar_w * 0.92, bottom - y_of(v));
        cairo_fill(cr);
        if (v > 0) {
          cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
          Layout value = Text(cr, std::to_string(v), 9 * unit);
          const auto [w, h] = Extent(value.get());
          Show(cr, value.get(), x + (bar_w * 0.92 - w) / 2, y_of(v) - h);
        }
      }
      cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
      Layout label = Text(cr, data.categories[g], 12 * unit);
      pango_layout_set_width(label.get(), static_cast<int>(group_w * PANGO_SCALE));
      pango_layout_set_alignment(label.get(), PANGO_ALIGN_CENTER);
      pango_layout_set_ellipsize(label.get(), PANGO_ELLIPSIZE_END);
      Show(cr, label.get(), left + group_w * static_cast<double>(g), bottom + 6 * unit);
    }
  }
  cairo_restore(cr);
}

Result<std::string> RenderChartPng(const ChartData& data, int width, int height) {
  if (width <= 0 || height <= 0 || width > 8000 || height > 8000) {
    return MakeError("invalid_value", "size", "the chart size must be 1..8000 pixels");
  }
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* cr = cairo_create(surface);
  // Grey-scale antialiasing and no hinting: the same picture whatever the machine's settings.
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, options);
  cairo_font_options_destroy(options);
  DrawChart(cr, data, width, height);
  std::string png;
  const cairo_status_t status = cairo_surface_write_to_png_stream(
      surface,
      [](void* closure, const unsigned char* bytes, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(bytes), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &png);
  const cairo_status_t draw_status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  if (draw_status != CAIRO_STATUS_SUCCESS || status != CAIRO_STATUS_SUCCESS) {
    return MakeError(
        "render_failed", "chart",
        std::string("cairo: ") +
            cairo_status_to_string(draw_status != CAIRO_STATUS_SUCCESS ? draw_status : status));
  }
  return png;
}

ChartData CityStandingChart(std::string title, const std::vector<CityStanding>& cities) {
  ChartData chart;
  chart.title = std::move(title);
  ChartSeries open{"未办结", 0x1f6fb2, {}};
  ChartSeries late{"逾期未办结", 0xc62828, {}};
  ChartSeries done{"已办结", 0x2e7d32, {}};
  for (const CityStanding& c : cities) {
    chart.categories.push_back(c.city);
    open.values.push_back(c.open);
    late.values.push_back(c.overdue);
    done.values.push_back(c.closed);
  }
  chart.series = {std::move(open), std::move(late), std::move(done)};
  return chart;
}

}  // namespace ducha::bulletin
