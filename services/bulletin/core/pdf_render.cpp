#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>

#include "services/bulletin/core/render.h"

namespace ducha::bulletin {
namespace {

// A4 in points.
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.89;
constexpr double kMarginX = 56;
constexpr double kMarginTop = 56;
constexpr double kMarginBottom = 64;
constexpr double kContentWidth = kPageWidth - 2 * kMarginX;
constexpr double kBodySize = 10.5;
constexpr double kTableSize = 8.5;
constexpr double kCellPad = 3;

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
using Layout = std::unique_ptr<PangoLayout, LayoutDeleter>;

struct Rgb {
  double r, g, b;
};
constexpr Rgb kBlack{0.13, 0.13, 0.13};
constexpr Rgb kRed{0.72, 0.11, 0.11};
constexpr Rgb kGrey{0.38, 0.38, 0.38};

// Lays out and draws the document page by page, top to bottom.
class PdfWriter {
 public:
  PdfWriter(cairo_t* cr, std::string footer) : cr_(cr), footer_(std::move(footer)) {}

  Layout Text(const std::string& text, double size, bool bold = false, double width = -1,
              PangoAlignment align = PANGO_ALIGN_LEFT) {
    Layout layout(pango_cairo_create_layout(cr_));
    PangoFontDescription* font = pango_font_description_new();
    pango_font_description_set_family(font, kFontFamily);
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout.get(), font);
    pango_font_description_free(font);
    if (width > 0) {
      pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
      pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
      pango_layout_set_alignment(layout.get(), align);
    }
    pango_layout_set_text(layout.get(), text.c_str(), static_cast<int>(text.size()));
    return layout;
  }

  static double Height(PangoLayout* l) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(l, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  static double Width(PangoLayout* l) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(l, &w, &h);
    return static_cast<double>(w) / PANGO_SCALE;
  }

  void Draw(PangoLayout* l, double x, double y, Rgb c = kBlack) {
    cairo_set_source_rgb(cr_, c.r, c.g, c.b);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, l);
  }

  void Rule(double x0, double x1, double y, double width, Rgb c) {
    cairo_set_source_rgb(cr_, c.r, c.g, c.b);
    cairo_set_line_width(cr_, width);
    cairo_move_to(cr_, x0, y);
    cairo_line_to(cr_, x1, y);
    cairo_stroke(cr_);
  }

  // Starts a new page when `h` does not fit on this one.
  void Ensure(double h) {
    if (y_ + h > kPageHeight - kMarginBottom && y_ > kMarginTop) NewPage();
  }

  void NewPage() {
    Footer();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMarginTop;
  }

  void Finish() { Footer(); }

  void TitleBlock(const Document& doc) {
    Layout campaign = Text(doc.campaign, 11, false, kContentWidth, PANGO_ALIGN_CENTER);
    Draw(campaign.get(), kMarginX, y_, kBlack);
    y_ += Height(campaign.get()) + 6;
    Layout title = Text(doc.title, 34, true, kContentWidth, PANGO_ALIGN_CENTER);
    Draw(title.get(), kMarginX, y_, kRed);
    y_ += Height(title.get()) + 2;
    Layout issue = Text(doc.issue, 13, false, kContentWidth, PANGO_ALIGN_CENTER);
    Draw(issue.get(), kMarginX, y_, kBlack);
    y_ += Height(issue.get()) + 10;
    Layout issuer = Text(doc.issuer, 9.5, false, kContentWidth * 0.72);
    Layout date = Text(doc.date, 9.5, false, kContentWidth * 0.28, PANGO_ALIGN_RIGHT);
    Draw(issuer.get(), kMarginX, y_, kBlack);
    Draw(date.get(), kMarginX + kContentWidth * 0.72, y_, kBlack);
    y_ += std::max(Height(issuer.get()), Height(date.get())) + 4;
    Rule(kMarginX, kMarginX + kContentWidth, y_, 1.6, kRed);
    y_ += 8;
    Layout period = Text(doc.period, 9, false, kContentWidth);
    Draw(period.get(), kMarginX, y_, kGrey);
    y_ += Height(period.get()) + 6;
  }

  void Heading(const std::string& text) {
    Layout l = Text(text, 13, true, kContentWidth);
    const double h = Height(l.get());
    Ensure(h + 60);  // never leave a heading alone at the bottom of a page
    y_ += 8;
    Draw(l.get(), kMarginX, y_, kRed);
    y_ += h + 4;
  }

  void Paragraph(const std::string& text, double size = kBodySize, Rgb colour = kBlack,
                 bool indent = true) {
    Layout l = Text(text, size, false, kContentWidth);
    if (indent) pango_layout_set_indent(l.get(), static_cast<int>(2 * size * PANGO_SCALE));
    pango_layout_set_spacing(l.get(), static_cast<int>(size * 0.35 * PANGO_SCALE));
    const double h = Height(l.get());
    Ensure(h);
    Draw(l.get(), kMarginX, y_, colour);
    y_ += h + size * 0.6;
  }

  void TableBlock(const Table& t) {
    const std::size_t columns = t.header.size();
    if (columns == 0) return;
    std::vector<double> widths(columns, 0);
    auto natural = [&](const std::string& s, bool bold) {
      Layout l = Text(s, kTableSize, bold);
      return Width(l.get()) + 2 * kCellPad + 1;
    };
    for (std::size_t c = 0; c < columns; ++c) {
      widths[c] = std::max(natural(t.header[c], true), 40.0);
    }
    for (const auto& row : t.rows) {
      for (std::size_t c = 0; c < columns && c < row.size(); ++c) {
        widths[c] = std::max(widths[c], natural(row[c], false));
      }
    }
    double total = 0;
    for (double w : widths) total += w;
    if (total > kContentWidth) {
      for (double& w : widths) w *= kContentWidth / total;
      total = kContentWidth;
    }
    auto cells = [&](const std::vector<std::string>& row, bool bold) {
      std::vector<Layout> out;
      double h = 0;
      for (std::size_t c = 0; c < columns; ++c) {
        const std::string text = c < row.size() ? row[c] : "";
        out.push_back(Text(text, kTableSize, bold, widths[c] - 2 * kCellPad,
                           c < t.label_columns ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT));
        h = std::max(h, Height(out.back().get()));
      }
      return std::make_pair(std::move(out), h + 2 * kCellPad);
    };
    auto draw_row = [&](std::vector<Layout>& row, double h, bool shaded) {
      double x = kMarginX;
      for (std::size_t c = 0; c < columns; ++c) {
        if (shaded) {
          cairo_set_source_rgb(cr_, 0.93, 0.93, 0.93);
          cairo_rectangle(cr_, x, y_, widths[c], h);
          cairo_fill(cr_);
        }
        cairo_set_source_rgb(cr_, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr_, 0.5);
        cairo_rectangle(cr_, x, y_, widths[c], h);
        cairo_stroke(cr_);
        Draw(row[c].get(), x + kCellPad, y_ + kCellPad, kBlack);
        x += widths[c];
      }
      y_ += h;
    };
    auto [header, header_h] = cells(t.header, true);
    Ensure(header_h * 3);
    y_ += 2;
    draw_row(header, header_h, true);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const bool is_total = t.total_row && r + 1 == t.rows.size();
      auto [row, h] = cells(t.rows[r], is_total);
      if (y_ + h > kPageHeight - kMarginBottom) {
        NewPage();
        auto [again, again_h] = cells(t.header, true);
        draw_row(again, again_h, true);
      }
      draw_row(row, h, is_total);
    }
    y_ += 8;
  }

  void Chart(const ChartData& chart) {
    const double w = kContentWidth;
    const double h = w * kChartHeight / kChartWidth;
    Ensure(h + 8);
    cairo_save(cr_);
    cairo_translate(cr_, kMarginX, y_);
    DrawChart(cr_, chart, w, h);
    cairo_restore(cr_);
    cairo_set_source_rgb(cr_, 0.75, 0.75, 0.75);
    cairo_set_line_width(cr_, 0.5);
    cairo_rectangle(cr_, kMarginX, y_, w, h);
    cairo_stroke(cr_);
    y_ += h + 10;
  }

  void Notes(const std::vector<std::string>& notes) {
    Ensure(40);
    y_ += 6;
    Rule(kMarginX, kMarginX + kContentWidth, y_, 0.5, kGrey);
    y_ += 4;
    Paragraph("注：", 8.5, kGrey, false);
    for (std::size_t i = 0; i < notes.size(); ++i) {
      Paragraph(std::to_string(i + 1) + ". " + notes[i], 8.5, kGrey, false);
    }
  }

 private:
  void Footer() {
    Layout l = Text(footer_ + "　第" + std::to_string(page_) + "页", 8, false, kContentWidth,
                    PANGO_ALIGN_CENTER);
    Draw(l.get(), kMarginX, kPageHeight - kMarginBottom + 24, kGrey);
  }

  cairo_t* cr_;
  std::string footer_;
  double y_ = kMarginTop;
  int page_ = 1;
};

}  // namespace

Result<std::string> RenderPdf(const Document& doc, const std::string& created) {
  std::string pdf;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(
      [](void* closure, const unsigned char* bytes, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(bytes), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &pdf, kPageWidth, kPageHeight);
  const std::string title = doc.campaign + " " + doc.title + " " + doc.issue;
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, doc.period.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "ducha-bulletin");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  cairo_t* cr = cairo_create(surface);
  {
    PdfWriter w(cr, doc.title + " " + doc.issue);
    w.TitleBlock(doc);
    for (const Section& s : doc.sections) {
      w.Heading(s.heading);
      for (const Block& b : s.blocks) {
        switch (b.kind) {
          case Block::Kind::kParagraph:
            w.Paragraph(b.text);
            break;
          case Block::Kind::kTable:
            w.TableBlock(b.table);
            break;
          case Block::Kind::kChart:
            w.Chart(doc.chart);
            break;
        }
      }
    }
    w.Notes(doc.notes);
    w.Finish();
  }
  const cairo_status_t draw_status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t surface_status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  const cairo_status_t status = draw_status != CAIRO_STATUS_SUCCESS ? draw_status : surface_status;
  if (status != CAIRO_STATUS_SUCCESS) {
    return MakeError("render_failed", "pdf",
                     std::string("cairo: ") + cairo_status_to_string(status));
  }
  return pdf;
}

Result<Rendered> RenderAll(const Document& doc, const std::string& created) {
  Rendered r;
  r.subject = doc.subject;
  r.text = RenderText(doc);
  r.html = RenderHtml(doc);
  auto png = RenderChartPng(doc.chart);
  if (!png) return png.error();
  r.png = std::move(png).value();
  auto pdf = RenderPdf(doc, created);
  if (!pdf) return pdf.error();
  r.pdf = std::move(pdf).value();
  return r;
}

Result<Rendered> RenderNumbers(const Numbers& numbers, const campaign::Campaign& campaign,
                               const std::string& issuer) {
  const int offset = campaign.info().utc_offset_minutes;
  return RenderAll(
      BuildDocument(numbers, campaign, issuer),
      timeutil::FormatRfc3339(timeutil::StartOfDay(numbers.cutoff_day, offset), offset));
}

}  // namespace ducha::bulletin
