#include <algorithm>

#include "services/bulletin/core/labels.h"
#include "services/bulletin/core/render.h"

namespace ducha::bulletin {
namespace {

std::string Pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = DisplayWidth(s);
  if (w >= width) return s;
  const std::string fill(width - w, ' ');
  return right ? fill + s : s + fill;
}

std::string Centered(const std::string& s, std::size_t width) {
  const std::size_t w = DisplayWidth(s);
  if (w >= width) return s;
  return std::string((width - w) / 2, ' ') + s;
}

void RenderTable(const Table& t, std::string& out) {
  const std::size_t columns = t.header.size();
  std::vector<std::size_t> widths(columns, 0);
  for (std::size_t c = 0; c < columns; ++c) widths[c] = DisplayWidth(t.header[c]);
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < columns && c < row.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l = "  ";
    for (std::size_t c = 0; c < columns; ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      l += Pad(cell, widths[c], c >= t.label_columns);
      if (c + 1 < columns) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::size_t total = 2;
  for (std::size_t w : widths) total += w + 2;
  const std::string rule = "  " + std::string(total > 4 ? total - 4 : 1, '-') + "\n";
  line(t.header);
  out += rule;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (t.total_row && r + 1 == t.rows.size()) out += rule;
    line(t.rows[r]);
  }
}

}  // namespace

std::string RenderText(const Document& doc) {
  constexpr std::size_t kWidth = 72;
  std::string out;
  out += Centered(doc.title, kWidth) + "\n";
  out += Centered(doc.issue, kWidth) + "\n\n";
  out += doc.campaign + "\n";
  out += doc.issuer + "    " + doc.date + "\n";
  out += doc.period + "\n";
  out += std::string(kWidth, '=') + "\n";
  for (const Section& s : doc.sections) {
    out += "\n" + s.heading + "\n\n";
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::kParagraph:
          out += "  " + b.text + "\n\n";
          break;
        case Block::Kind::kTable:
          RenderTable(b.table, out);
          out += "\n";
          break;
        case Block::Kind::kChart:
          out += "  （图：" + doc.chart.title + "，见HTML版正文及PDF附件。）\n\n";
          break;
      }
    }
  }
  out += std::string(kWidth, '-') + "\n注：\n";
  for (std::size_t i = 0; i < doc.notes.size(); ++i) {
    out += std::to_string(i + 1) + ". " + doc.notes[i] + "\n";
  }
  return out;
}

}  // namespace ducha::bulletin
