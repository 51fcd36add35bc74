#include "core/store/sql.hpp"

#include <cctype>
#include <stdexcept>

namespace scwd::store::sql {

const std::vector<Migration>& migrations(Dialect d) {
  static const std::vector<Migration> kAll = [] {
    std::vector<Migration> m;
    m.push_back(Migration{
        1,
        "resources, tags and unique keys",
        {
            "CREATE TABLE resources ("
            " kind TEXT NOT NULL, id TEXT NOT NULL,"
            " organization_id TEXT NOT NULL DEFAULT '', project_id TEXT NOT NULL DEFAULT '',"
            " locality TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',"
            " parent_id TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT '',"
            " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, due_at BIGINT,"
            " version BIGINT NOT NULL, tags TEXT NOT NULL DEFAULT '[]',"
            " keys TEXT NOT NULL DEFAULT '[]', body TEXT NOT NULL,"
            " PRIMARY KEY (kind, id))",
            "CREATE INDEX resources_org ON resources (kind, organization_id, created_at)",
            "CREATE INDEX resources_project ON resources (project_id, kind)",
            "CREATE INDEX resources_locality ON resources (kind, locality, created_at)",
            "CREATE INDEX resources_name ON resources (kind, name)",
            "CREATE INDEX resources_parent ON resources (kind, parent_id)",
            "CREATE INDEX resources_created ON resources (kind, created_at)",
            "CREATE INDEX resources_due ON resources (due_at) WHERE due_at IS NOT NULL",
            "CREATE TABLE resource_tags (kind TEXT NOT NULL, id TEXT NOT NULL,"
            " tag TEXT NOT NULL, PRIMARY KEY (kind, id, tag))",
            "CREATE INDEX resource_tags_tag ON resource_tags (kind, tag)",
            "CREATE TABLE resource_keys (kind TEXT NOT NULL, key TEXT NOT NULL,"
            " id TEXT NOT NULL, PRIMARY KEY (kind, key))",
            "CREATE INDEX resource_keys_id ON resource_keys (kind, id)",
        }});
    m.push_back(Migration{
        2,
        "per kind, organization and project record counters (quotas, project emptiness)",
        {
            "CREATE TABLE resource_counts (kind TEXT NOT NULL, organization_id TEXT NOT NULL,"
            " project_id TEXT NOT NULL, n BIGINT NOT NULL,"
            " PRIMARY KEY (kind, organization_id, project_id))",
            "CREATE INDEX resource_counts_project ON resource_counts (project_id)",
            "INSERT INTO resource_counts (kind, organization_id, project_id, n)"
            " SELECT kind, organization_id, project_id, COUNT(*) FROM resources"
            " GROUP BY kind, organization_id, project_id",
        }});
    m.push_back(
        Migration{3,
                  "records by id alone (IAM finds the project of the resource a request names)",
                  {
                      "CREATE INDEX resources_id ON resources (id)",
                  }});
    return m;
  }();
  (void)d;
  return kAll;
}

namespace {

class Builder {
 public:
  explicit Builder(Dialect d) : d_(d) {}

  std::string ph(std::string v, bool numeric = false) {
    out_.args.push_back(std::move(v));
    out_.numeric.push_back(numeric);
    if (d_ == Dialect::kPostgres) return "$" + std::to_string(out_.args.size());
    return "?";
  }

  std::string json_path(const std::string& path) {
    if (path.empty()) throw std::invalid_argument("body filter without a path");
    for (char c : path)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'))
        throw std::invalid_argument("bad body path: " + path);
    if (d_ == Dialect::kSqlite) return "json_extract(r.body, '$." + path + "')";
    std::string p = "{";
    for (char c : path) p += c == '.' ? ',' : c;
    p += "}";
    return "(r.body::jsonb #>> '" + p + "')";
  }

  static std::string dotted_to_pg(const std::string& path) {
    std::string p;
    for (char c : path) p += c == '.' ? ',' : c;
    return p;
  }

  std::string column(Column c, const std::string& path, bool numeric) {
    switch (c) {
      case Column::kId:
        return "r.id";
      case Column::kOrganization:
        return "r.organization_id";
      case Column::kProject:
        return "r.project_id";
      case Column::kLocality:
        return "r.locality";
      case Column::kName:
        return "r.name";
      case Column::kParent:
        return "r.parent_id";
      case Column::kState:
        return "r.state";
      case Column::kCreatedAt:
        return "r.created_at";
      case Column::kUpdatedAt:
        return "r.updated_at";
      case Column::kDueAt:
        return "r.due_at";
      case Column::kBody: {
        std::string e = json_path(path);
        if (numeric && d_ == Dialect::kPostgres) return "CAST(" + e + " AS BIGINT)";
        return e;
      }
    }
    throw std::invalid_argument("bad column");
  }

  void where(const ListQuery& q) {
    // An empty kind lists every kind (the lifecycle engine's due-records query).
    std::string w = q.kind.empty() ? " WHERE 1 = 1" : " WHERE r.kind = " + ph(q.kind);
    for (auto& f : q.filters) {
      std::string col = column(f.column, f.path, f.numeric);
      auto one = [&]() -> std::string {
        if (f.values.empty()) throw std::invalid_argument("filter without a value");
        return ph(f.values.front(), f.numeric);
      };
      switch (f.op) {
        case Op::kEq:
          w += " AND " + col + " = " + one();
          break;
        case Op::kNe:
          w += " AND " + col + " <> " + one();
          break;
        case Op::kLt:
          w += " AND " + col + " < " + one();
          break;
        case Op::kLe:
          w += " AND " + col + " <= " + one();
          break;
        case Op::kGt:
          w += " AND " + col + " > " + one();
          break;
        case Op::kGe:
          w += " AND " + col + " >= " + one();
          break;
        case Op::kIn: {
          if (f.values.empty()) {
            w += " AND 1 = 0";
            break;
          }
          w += " AND " + col + " IN (";
          for (std::size_t i = 0; i < f.values.size(); ++i) {
            if (i) w += ", ";
            w += ph(f.values[i], f.numeric);
          }
          w += ")";
          break;
        }
        case Op::kContains:
          if (d_ == Dialect::kSqlite)
            w += " AND instr(lower(" + col + "), lower(" + one() + ")) > 0";
          else
            w += " AND strpos(lower(" + col + "), lower(" + one() + ")) > 0";
          break;
        case Op::kAnyIn:
        case Op::kAnyContains: {
          if (f.column != Column::kBody) throw std::invalid_argument("array filter on a column");
          if (f.op == Op::kAnyIn && f.values.empty()) {
            w += " AND 1 = 0";
            break;
          }
          json_path(f.path);  // validates the path
          std::string elems =
              d_ == Dialect::kSqlite
                  ? "json_each(r.body, '$." + f.path + "') j"
                  : "jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.body::jsonb #> '{" +
                        dotted_to_pg(f.path) + "}') = 'array' THEN r.body::jsonb #> '{" +
                        dotted_to_pg(f.path) + "}' ELSE '[]'::jsonb END) j(value)";
          if (d_ == Dialect::kSqlite)  // json_each also walks a scalar: arrays only
            w += " AND json_type(r.body, '$." + f.path + "') = 'array'";
          w += " AND EXISTS (SELECT 1 FROM " + elems + " WHERE ";
          if (f.op == Op::kAnyIn) {
            w += "j.value IN (";
            for (std::size_t i = 0; i < f.values.size(); ++i) {
              if (i) w += ", ";
              w += ph(f.values[i]);
            }
            w += "))";
          } else if (d_ == Dialect::kSqlite) {
            w += "instr(lower(j.value), lower(" + one() + ")) > 0)";
          } else {
            w += "strpos(lower(j.value), lower(" + one() + ")) > 0)";
          }
          break;
        }
        case Op::kIsNull:
          w += " AND " + col + " IS NULL";
          break;
        case Op::kNotNull:
          w += " AND " + col + " IS NOT NULL";
          break;
      }
    }
    for (auto& t : q.tags_all)
      w += " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.kind = r.kind AND t.id = r.id"
           " AND t.tag = " +
           ph(t) + ")";
    if (!q.tags_any.empty()) {
      w += " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.kind = r.kind AND t.id = r.id"
           " AND t.tag IN (";
      for (std::size_t i = 0; i < q.tags_any.size(); ++i) {
        if (i) w += ", ";
        w += ph(q.tags_any[i]);
      }
      w += "))";
    }
    out_.sql += w;
  }

  Built select(const ListQuery& q) {
    out_.sql = std::string("SELECT ") + kRecordColumns + " FROM resources r";
    where(q);
    out_.sql += " ORDER BY ";
    for (auto& o : q.order) {
      out_.sql += column(o.column, o.path, false);
      out_.sql += o.descending ? " DESC, " : " ASC, ";
    }
    out_.sql += "r.id ASC";
    if (q.limit >= 0) out_.sql += " LIMIT " + std::to_string(q.limit);
    if (q.offset > 0) {
      if (q.limit < 0 && d_ == Dialect::kSqlite) out_.sql += " LIMIT -1";
      out_.sql += " OFFSET " + std::to_string(q.offset);
    }
    return std::move(out_);
  }

  Built count(const ListQuery& q) {
    out_.sql = "SELECT COUNT(*) FROM resources r";
    where(q);
    return std::move(out_);
  }

 private:
  Dialect d_;
  Built out_;
};

}  // namespace

Built build_select(Dialect d, const ListQuery& q) { return Builder(d).select(q); }
Built build_count(Dialect d, const ListQuery& q) { return Builder(d).count(q); }

}  // namespace scwd::store::sql
