#pragma once
// The bulletin as a document (督察快报): title block, numbered sections of paragraphs, tables and
// the chart, and the footnotes that define every figure. Built once from a week's numbers; the
// text, HTML and PDF renderers each draw the same document, so the three formats always say the
// same thing. Pure: the numbers, the campaign's names and the issuer decide everything.
//
// The bulletin carries no free text from reports (titles and descriptions are written by
// reporters and may name them): problems appear by number, place, category and severity only.

#include <string>
#include <vector>

#include "common/campaign/campaign.h"
#include "services/bulletin/core/chart.h"
#include "services/bulletin/core/numbers.h"

namespace ducha::bulletin {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t label_columns = 1;  // leading text columns; the rest are figures (right-aligned)
  bool total_row = false;         // the last row is a total (emphasised)
};

struct Block {
  enum class Kind { kParagraph, kTable, kChart };
  Kind kind = Kind::kParagraph;
  std::string text;  // paragraph
  Table table;
};

inline Block ParagraphBlock(std::string text) {
  return Block{Block::Kind::kParagraph, std::move(text), {}};
}
inline Block TableBlock(Table t) { return Block{Block::Kind::kTable, {}, std::move(t)}; }

struct Section {
  std::string heading;  // 一、本周综述
  std::vector<Block> blocks;
};

struct Document {
  std::string title;     // 督察快报
  std::string campaign;  // the campaign's official name
  std::string issue;     // 第11期
  std::string issuer;    // who issues it
  std::string date;      // 2017年11月25日
  std::string period;    // 统计时段…
  std::string subject;   // the mail's subject
  std::vector<Section> sections;
  std::vector<std::string> notes;  // 注: definitions of the figures
  ChartData chart;
};

Document BuildDocument(const Numbers& numbers, const campaign::Campaign& campaign,
                       const std::string& issuer);

// The analysis paragraphs (综述), generated from the numbers with fixed templates: the week's
// figures, the standing at the cut-off and its change, and by name the cities and counties that
// fell behind (most overdue, lowest on-time rate, overdue rising).
std::vector<std::string> Analysis(const Numbers& numbers, const campaign::Campaign& campaign);

}  // namespace ducha::bulletin
