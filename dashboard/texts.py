"""Every label of the dashboard, in Bahasa Indonesia (first) and English: ``TEXTS[key] = (indonesian,
english)``, grouped by where they appear: navigation, filters, then page by page.

Data only, read through ``dashboard.i18n.t``, which picks the run's language and fills the values in.
A page with labels of its own keeps them beside its code (dashboard/views/compare.py, ...); the report's
are report/texts.py. Category names come from data/taxonomy.toml, not from here.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # navigation and page titles
    "page_overview": ("Ringkasan", "Overview"),
    "page_category": ("Kategori", "Category"),
    "page_versions": ("Versi aplikasi", "App versions"),
    "page_offices": ("Kantor", "Offices"),
    "page_alerts": ("Peringatan", "Alerts"),
    "page_review": ("Pelabelan", "Review queue"),
    "page_frameworks": ("Kerangka e-government", "E-government frameworks"),
    "page_runs": ("Riwayat", "Runs"),
    "page_replies": ("Tanggapan", "Replies"),
    "page_feedback": ("Semua masukan", "All feedback"),
    "page_compare": ("Bandingkan aplikasi", "Compare apps"),
    "page_topics": ("Topik baru", "New topics"),
    "page_ratings": ("Rating & sentimen", "Ratings & sentiment"),
    "sentiment_of_text": ("sentimen {s}", "sentiment {s}"),
    # database and empty states
    "db_missing": (
        "Basis data {db} belum ada: jalankan `suara init` lalu `suara collect`, atau `make demo`.",
        "Database {db} does not exist yet: run `suara init` then `suara collect`, or `make demo`.",
    ),
    "db_locked": (
        "Basis data {db} sedang dikunci oleh proses lain (mis. tugas malam). Muat ulang halaman sebentar lagi.",
        "Database {db} is locked by another process (e.g. the nightly job). Reload the page in a moment.",
    ),
    "db_error": (
        "Basis data {db} tidak dapat dibaca: {detail}. Periksa berkasnya atau jalankan `suara init`.",
        "Database {db} cannot be read: {detail}. Check the file or run `suara init`.",
    ),
    "no_data": (
        "Belum ada data: jalankan `suara collect` atau `make demo`.",
        "No data yet: run `suara collect` or `make demo`.",
    ),
    "no_data_filtered": (
        "Tidak ada masukan yang cocok dengan filter ini. Perluas periode atau hapus beberapa filter.",
        "No feedback matches these filters. Widen the period or remove some filters.",
    ),
    "no_labels": (
        "Belum ada kategori: jalankan `suara classify` (setelah `suara train`).",
        "No categories yet: run `suara classify` (after `suara train`).",
    ),
    # filters
    "filters": ("Filter", "Filters"),
    "period": ("Periode", "Period"),
    "period_7d": ("7 hari terakhir", "Last 7 days"),
    "period_30d": ("30 hari terakhir", "Last 30 days"),
    "period_90d": ("90 hari terakhir", "Last 90 days"),
    "period_365d": ("12 bulan terakhir", "Last 12 months"),
    "period_all": ("Semua waktu", "All time"),
    "period_custom": ("Pilih tanggal…", "Pick dates…"),
    "dates": ("Tanggal (UTC)", "Dates (UTC)"),
    "period_caption": ("{start} s.d. {last} (UTC)", "{start} to {last} (UTC)"),
    "period_compare": (
        "Periode {start} s.d. {last} (UTC), dibandingkan dengan {pstart} s.d. {plast}.",
        "Period {start} to {last} (UTC), compared with {pstart} to {plast}.",
    ),
    "period_all_caption": ("Semua waktu (tanpa pembanding).", "All time (nothing to compare with)."),
    "source": ("Sumber", "Source"),
    "app": ("Aplikasi", "App"),
    "rating": ("Rating", "Rating"),
    "version": ("Versi aplikasi", "App version"),
    "category": ("Kategori", "Category"),
    "all": ("Semua", "All"),
    "download_view": ("Unduh tampilan ini", "Download this view"),
    "download_category": ("Unduh teks kategori ini", "Download this category's texts"),
    "download_note": (
        "Data pribadi disamarkan; paling banyak {limit} baris (lebih banyak: `suara export`).",
        "Personal data masked; at most {limit} rows (for more: `suara export`).",
    ),
    # overview
    "overview_intro": (
        "Apa yang dikeluhkan warga, dan apakah membaik atau memburuk dibanding periode sebelumnya.",
        "What citizens complain about, and whether it is getting better or worse than the period before.",
    ),
    "kpi_feedback": ("Jumlah masukan", "Feedback"),
    "kpi_feedback_help": (
        "Ulasan dan cuitan dalam periode ini; perubahan terhadap periode sebelumnya yang sama panjang.",
        "Reviews and posts in this period; change against the previous period of the same length.",
    ),
    "kpi_low": ("Rating 1–2 bintang", "1–2 star ratings"),
    "kpi_low_help": (
        "Porsi ulasan berating 1 atau 2 bintang (dari yang memiliki rating); perubahan dalam poin persentase.",
        "Share of rated reviews with 1 or 2 stars; change in percentage points.",
    ),
    "kpi_complaint": ("Berisi keluhan", "With a complaint"),
    "kpi_complaint_help": (
        "Porsi masukan dengan sedikitnya satu kategori keluhan (pujian tidak dihitung).",
        "Share of feedback with at least one complaint category (praise does not count).",
    ),
    "kpi_top": ("Keluhan teratas", "Top complaint"),
    "kpi_top_help": (
        "Kategori keluhan yang paling sering; perubahan porsinya dalam poin persentase.",
        "The most frequent complaint category; change of its share in percentage points.",
    ),
    "kpi_top_name": ("**{name}** ({n} teks)", "**{name}** ({n} texts)"),
    "axis_n": ("Jumlah teks", "Texts"),
    "unit_day": ("Hari", "Day"),
    "unit_week": ("Minggu", "Week"),
    "unit_month": ("Bulan", "Month"),
    "week_of": ("{start} s.d. {last}", "{start} to {last}"),
    "feedback_in_bucket": ("Semua masukan pada waktu itu", "All feedback in that time"),
    "too_few": ("terlalu sedikit masukan", "too little feedback"),
    "axis_share": ("Porsi", "Share"),
    "keywords": ("Contoh kata kunci: {words}", "Example keywords: {words}"),
    "reliability": (
        "Diukur pada ulasan nyata berlabel ({n} di antaranya termasuk kategori ini): dari setiap 100 teks "
        "yang diberi kategori ini, sekitar {precision} memang termasuk; dari setiap 100 yang termasuk, model "
        "menemukan sekitar {recall}.",
        "Measured on labelled real reviews ({n} of them belong to this category): of every 100 texts given "
        "this category, about {precision} belong to it; of every 100 that belong to it, the model finds "
        "about {recall}.",
    ),
    "reliability_rough": (
        "Perkiraan kasar. Diukur pada ulasan nyata berlabel ({n} di antaranya termasuk kategori ini): dari "
        "setiap 100 teks yang diberi kategori ini, sekitar {precision} memang termasuk; dari setiap 100 yang "
        "termasuk, model menemukan sekitar {recall}.",
        "A rough estimate. Measured on labelled real reviews ({n} of them belong to this category): of every "
        "100 texts given this category, about {precision} belong to it; of every 100 that belong to it, the "
        "model finds about {recall}.",
    ),
    "rough_categories": (
        "Perkiraan kasar (sedikit contoh nyata, atau F1 di bawah 0,7 pada ulasan nyata): {names}. "
        "Halaman Kategori menjelaskan masing-masing.",
        "Rough estimates (few real examples, or an F1 below 0.7 on real reviews): {names}. The Kategori "
        "page explains each.",
    ),
    "reliability_few": (
        "Perkiraan kasar: hanya {n} ulasan nyata berlabel yang termasuk kategori ini, terlalu sedikit untuk "
        "mengukur seberapa andal hitungannya.",
        "A rough estimate: only {n} labelled real reviews belong to this category, too few to measure how "
        "reliable its count is.",
    ),
    "trend_title": ("Tren enam kategori utama", "Trend of the six headline categories"),
    "report_month": ("Bulan laporan", "Report month"),
    "report_download": ("Laporan bulanan (PDF)", "Monthly report (PDF)"),
    "report_help": (
        "Angka bulan itu dibanding bulan sebelumnya, keluhan teratas dengan contoh (disamarkan), kantor dan versi yang menonjol; sama dengan `suara report`.",
        "The month's figures against the month before, top complaints with masked examples, offices and versions that stand out; the same as `suara report`.",
    ),
    "trend_title_one": ("Tren", "Trend"),
    "trend_caption_day": (
        "Per hari (UTC). Porsi dari waktu dengan kurang dari {min} masukan tidak digambar: garisnya putus.",
        "Per day (UTC). A share from a time with fewer than {min} texts is not drawn: the line breaks.",
    ),
    "trend_caption_week": (
        "Per minggu (mulai Senin, UTC); minggu pertama dan terakhir bisa tidak penuh. Porsi dari minggu "
        "dengan kurang dari {min} masukan tidak digambar: garisnya putus.",
        "Per week (from Monday, UTC); the first and last week may be partial. A share from a week with "
        "fewer than {min} texts is not drawn: the line breaks.",
    ),
    "trend_caption_month": (
        "Per bulan (UTC); bulan pertama dan terakhir bisa tidak penuh. Porsi dari bulan dengan kurang "
        "dari {min} masukan tidak digambar: garisnya putus.",
        "Per month (UTC); the first and last month may be partial. A share from a month with fewer "
        "than {min} texts is not drawn: the line breaks.",
    ),
    "measure": ("Ukuran", "Measure"),
    "measure_n": ("Jumlah teks", "Texts"),
    "measure_share": ("Porsi dari semua masukan", "Share of all feedback"),
    "categories_title": ("Semua kategori", "All categories"),
    "share_of_feedback": ("Porsi dari masukan", "Share of feedback"),
    # category page
    "category_intro": (
        "Satu kategori secara mendalam: trennya, di mana muncul, dan teks-teks di baliknya.",
        "One category in depth: its trend, where it appears, and the texts behind it.",
    ),
    "texts_in_category": ("Teks dalam kategori", "Texts in category"),
    "feedback_in_view": ("Masukan dalam tampilan", "Feedback in view"),
    "feedback_in_version": ("Masukan di versi itu", "Feedback in that version"),
    "by_source": ("Menurut sumber", "By source"),
    "share_in_source": ("Porsi dari masukan sumber itu", "Share of that source's feedback"),
    "by_version": ("Menurut versi aplikasi", "By app version"),
    "share": ("Porsi", "Share"),
    "texts_title": ("Teks", "Texts"),
    "texts": ("Teks", "Texts"),
    "search": ("Cari dalam teks", "Search the texts"),
    "search_placeholder": ("mis. kode billing", "e.g. kode billing"),
    "texts_count": ("{n} teks, terbaru di atas", "{n} texts, newest first"),
    "texts_count_newest": ("{n} teks; {shown} terbaru ditampilkan", "{n} texts; the {shown} newest shown"),
    "no_texts": ("Tidak ada teks yang cocok.", "No matching texts."),
    "no_rating": ("tanpa rating", "no rating"),
    "no_version": ("versi tidak diketahui", "version unknown"),
    "score": ("keyakinan model {score}", "model certainty {score}"),
    "score_help": (
        "Seberapa yakin model bahwa teks ini termasuk kategori ini; 100% berarti label dari analis.",
        "How sure the model is that this text belongs to this category; 100% means an analyst's label.",
    ),
    "open_original": ("buka aslinya", "open original"),
    "categories_of_text": ("Kategori: {cats}", "Categories: {cats}"),
    # all-feedback page
    "feedback_intro": (
        "Semua ulasan dan cuitan dalam tampilan, termasuk yang tanpa kategori: cari, urutkan, buka aslinya.",
        "Every review and post in the view, those without a category too: search, sort, open the original.",
    ),
    "search_all": ("Cari dalam semua masukan", "Search all feedback"),
    "search_all_help": (
        "Setiap kata harus ada (tanpa membedakan huruf besar/kecil); frasa dalam tanda kutip dicari utuh, "
        'mis. "kode billing".',
        'Every word must occur (case does not matter); a phrase in quotes is found as a whole, e.g. "kode billing".',
    ),
    "sort": ("Urutkan", "Sort"),
    "sort_newest": ("Terbaru", "Newest"),
    "sort_lowest": ("Rating terendah", "Lowest rating"),
    "sort_liked": ("Paling banyak disukai", "Most liked"),
    "feedback_count": ("{n} masukan", "{n} feedback items"),
    "likes": ("{n} suka", "{n} likes"),
    # versions page
    "versions_intro": (
        "Rilis dengan masukan terbanyak dalam periode ini, dan porsi setiap kategori dari masukan tiap "
        "rilis. Rilis yang membuat suatu keluhan melonjak diberi bingkai.",
        "The releases with the most feedback in this period, and each category's share of each "
        "release's feedback. Releases where a complaint jumps are outlined.",
    ),
    "min_per_release": ("Minimal masukan per rilis", "Minimum feedback per release"),
    "min_per_release_help": (
        "Rilis dengan lebih sedikit masukan tidak ditampilkan dan tidak dibandingkan: porsi dari sedikit "
        "teks terlalu untung-untungan.",
        "Releases with less feedback are neither shown nor compared: shares from few texts are luck.",
    ),
    "releases_shown": ("Rilis yang ditampilkan", "Releases shown"),
    "releases_by_volume": ("Masukan per rilis", "Feedback per release"),
    "no_versions": (
        "Tidak ada rilis dengan cukup masukan di tampilan ini. Turunkan batas minimal atau perluas periode.",
        "No release has enough feedback in this view. Lower the minimum or widen the period.",
    ),
    "versions_caption": (
        "Urut menurut nomor versi, terbaru di kanan. Bingkai biru: sebuah keluhan (bukan pujian) naik "
        "sedikitnya {pp} poin persentase dari rilis sebelumnya, dari sedikitnya {k} teks, dan uji "
        "statistik menyatakan kenaikan itu bukan kebetulan (peluang kebetulan di bawah {alpha}).",
        "In version order, newest on the right. Blue outline: a complaint (not praise) rose by at "
        "least {pp} percentage points over the release before, from at least {k} texts, and a "
        "statistical test says the rise is no chance (a chance below {alpha}).",
    ),
    "change_pp": ("Perubahan", "Change"),
    "jumps_title": ("Lonjakan per rilis", "Jumps by release"),
    "no_jumps": (
        "Tidak ada lonjakan antar-rilis di tampilan ini.",
        "No jumps between releases in this view.",
    ),
    "jump_line": (
        "**v{version}** · {category}: {share} ({change} dari v{previous}; {n} dari {total} teks)",
        "**v{version}** · {category}: {share} ({change} from v{previous}; {n} of {total} texts)",
    ),
    # offices page
    "offices_intro": (
        "Kantor imigrasi yang disebut dalam keluhan, diurutkan menurut jumlah keluhan.",
        "Immigration offices named in complaints, ranked by the number of complaints.",
    ),
    "no_offices": (
        "Belum ada kantor yang disebut dalam tampilan ini. Sebutan kantor dicari oleh `suara classify`.",
        "No office is mentioned in this view. Office mentions are found by `suara classify`.",
    ),
    "offices_mentioned": ("Kantor yang disebut", "Offices mentioned"),
    "complaints_with_office": ("Sebutan kantor dalam keluhan", "Office mentions in complaints"),
    "offices_top": ("{n} kantor dengan keluhan terbanyak", "{n} offices with the most complaints"),
    "offices_table": ("Semua kantor yang disebut", "All offices mentioned"),
    "office": ("Kantor", "Office"),
    "city": ("Kota", "City"),
    "province": ("Provinsi", "Province"),
    "complaints": ("Keluhan", "Complaints"),
    "complaints_help": (
        "Teks yang menyebut kantor ini dan berisi sedikitnya satu kategori keluhan.",
        "Texts naming this office with at least one complaint category.",
    ),
    "mentions": ("Sebutan", "Mentions"),
    "top_categories": ("Kategori teratas", "Top categories"),
    "office_texts": ("Teks tentang satu kantor", "Texts about one office"),
    # alerts page
    "alerts_intro": (
        "Lonjakan yang ditemukan tugas malam, terbaru di atas, masing-masing dengan teks di baliknya.",
        "Spikes the nightly job found, newest first, each with the texts behind it.",
    ),
    "no_alerts": (
        "Belum ada peringatan untuk tampilan ini. Peringatan ditulis oleh tugas malam (`suara nightly`).",
        "No alerts for this view yet. Alerts are written by the nightly job (`suara nightly`).",
    ),
    "alerts_count": ("{n} peringatan", "{n} alerts"),
    "alert_spike_day": ("lonjakan harian", "daily spike"),
    "alert_spike_week": ("lonjakan mingguan", "weekly spike"),
    "alert_version_jump": ("lonjakan versi", "version jump"),
    "alert_topic_new": ("topik baru naik", "new growing topic"),
    "observed": ("Teramati", "Observed"),
    "expected": ("Diharapkan", "Expected"),
    "threshold": ("Ambang", "Threshold"),
    "alert_period": ("Periode: {start} s.d. {end} (UTC)", "Period: {start} to {end} (UTC)"),
    "open_in_category": ("Buka di halaman Kategori", "Open on the Category page"),
    # review page
    "review_intro": (
        "Koreksi model di tempat label Anda paling berguna: teks yang membuat model ragu dan sering muncul "
        "lebih dulu. Teks yang hampir sama dikelompokkan, jadi satu label berlaku untuk semuanya. Pilih "
        "kategori yang benar (boleh tidak ada) lalu simpan: label Anda menggantikan label model di semua "
        "halaman dan dipakai pada pelatihan berikutnya.",
        "Correct the model where your label is worth most: texts the model is unsure about and that come up "
        "often go first. Near-identical texts are grouped, so one label covers them all. Pick the right "
        "categories (possibly none) and save: your labels replace the model's on every page and feed the "
        "next training.",
    ),
    "human_since_model": (
        "{n} teks diberi label analis sejak model {model} dilatih ({date}); {total} seluruhnya.",
        "{n} texts labelled by analysts since model {model} was trained ({date}); {total} in all.",
    ),
    "human_no_model": (
        "Belum ada model (jalankan `suara train`); {total} teks sudah diberi label analis.",
        "No model yet (run `suara train`); {total} texts labelled by analysts so far.",
    ),
    "analyst": ("Nama analis", "Analyst name"),
    "analyst_placeholder": ("disimpan bersama label", "stored with the labels"),
    "review_mode": ("Antrean", "Queue"),
    "review_uncertain": ("Ragu dan sering", "Unsure and frequent"),
    "review_random": ("Sampel acak", "Random sample"),
    "new_sample": ("Sampel baru", "New sample"),
    "queue_caption": (
        "{groups} kelompok teks ({n} teks) menunggu keputusan Anda.",
        "{groups} groups of texts ({n} texts) await your decision.",
    ),
    "similar_reviews": (
        ":material/content_copy: {n} ulasan serupa: label Anda berlaku untuk semuanya",
        ":material/content_copy: {n} similar reviews: your label applies to all of them",
    ),
    "similar_reviews_help": (
        "Sama setelah huruf kecil, tanpa tanda baca, angka, emoji, tautan, dan huruf yang diulang "
        '("ERROR terus!!!" = "error terusss"). Yang ditampilkan adalah yang terbaru.',
        "The same once lowercased, without punctuation, digits, emoji, links and stretched letters "
        '("ERROR terus!!!" = "error terusss"). The newest one is shown.',
    ),
    "labelled_before": (
        ":material/done_all: Mirip dengan yang sudah dilabeli analis: {cats}",
        ":material/done_all: Similar to a text an analyst already labelled: {cats}",
    ),
    "no_category": ("tanpa kategori", "no category"),
    "queue_empty": (
        "Tidak ada teks yang belum ditinjau di tampilan ini.",
        "No unreviewed texts in this view.",
    ),
    "queue_empty_uncertain": (
        "Tidak ada prediksi model yang belum ditinjau di tampilan ini (jalankan `suara classify`), "
        "atau pilih Sampel acak.",
        "No unreviewed model predictions in this view (run `suara classify`), or pick Random sample.",
    ),
    "confidence": ("kepastian model {value}", "model certainty {value}"),
    "confidence_help": (
        "0 berarti model sama sekali tidak bisa memutuskan, 1 berarti model sangat yakin. Teks yang "
        "membuat model ragu didahulukan: label Anda paling berguna di sana.",
        "0 means the model cannot decide at all, 1 that it is quite sure. Texts the model is unsure "
        "about come first: that is where your label helps most.",
    ),
    "model_says": ("Model: {scores}", "Model: {scores}"),
    "right_categories": ("Kategori yang benar", "Right categories"),
    "save_labels": ("Simpan", "Save"),
    "name_first": ("Isi nama analis dulu: nama disimpan bersama label.", "Enter the analyst name first."),
    "saved": ("Tersimpan: {n} kategori.", "Saved: {n} categories."),
    "saved_group": (
        "Tersimpan: {n} kategori untuk {texts} teks.",
        "Saved: {n} categories for {texts} texts.",
    ),
    "save_locked": (
        "Belum tersimpan: basis data {db} sedang dipakai proses lain. Coba simpan lagi sebentar lagi.",
        "Not saved: database {db} is busy with another process. Try saving again in a moment.",
    ),
    "save_failed": ("Belum tersimpan: {detail}", "Not saved: {detail}"),
    # frameworks page
    "frameworks_intro": (
        "Kategori keluhan dipetakan ke kerangka yang dipakai kajian kementerian. Pemetaan ada di "
        "data/taxonomy.toml dan dapat diubah tim tanpa mengubah kode.",
        "Complaint categories mapped onto the frameworks the ministry's studies use. The mapping lives in "
        "data/taxonomy.toml and the team can change it without touching code.",
    ),
    "fw_gartner": ("Tahapan e-government Gartner", "Gartner's e-government stages"),
    "fw_gartner_about": (
        "Kehadiran web, interaksi, transaksi, transformasi: di tahap mana layanan gagal.",
        "Web presence, interaction, transaction, transformation: at which stage the service fails.",
    ),
    "fw_harvard": ("Elemen e-government Harvard JFK", "Harvard JFK e-government elements"),
    "fw_harvard_about": (
        "Dukungan, kapasitas, nilai: unsur mana yang dikeluhkan warga.",
        "Support, capacity, value: which element citizens complain about.",
    ),
    "fw_element": ("Elemen", "Element"),
    "fw_counts_note": (
        "Teks dengan dua kategori pada elemen yang sama dihitung sekali; masukan dalam tampilan: {total}.",
        "A text with two categories of the same element counts once; feedback in view: {total}.",
    ),
    # runs page
    "runs_intro": (
        "Jalannya pipeline (impor, pengumpulan, klasifikasi, tugas malam) dan model yang dipakai.",
        "Pipeline runs (import, collect, classify, nightly) and the model in use.",
    ),
    "models_title": ("Model", "Model"),
    "no_model": ("Belum ada model: jalankan `suara train`.", "No model yet: run `suara train`."),
    "model_current": (
        "Model yang dipakai: **{version}**, dilatih {date} (UTC) dengan {n} teks; terdaftar {registered}.",
        "Model in use: **{version}**, trained {date} (UTC) on {n} texts; registered {registered}.",
    ),
    "metric_macro_f1_headline": (
        "Ketepatan, enam kategori utama (F1 makro)",
        "Accuracy, six headline categories (macro F1)",
    ),
    "metric_macro_f1_headline_help": (
        "Rata-rata F1 enam kategori utama pada teks yang tidak dipakai melatih: 1 berarti sempurna. F1 "
        "menggabungkan ketepatan (yang ditandai memang benar) dan kelengkapan (yang benar tidak terlewat).",
        "The mean F1 of the six headline categories on texts held out from training: 1 is perfect. F1 "
        "combines precision (what is flagged is right) and recall (nothing right is missed).",
    ),
    "metric_n_train": ("Teks latih", "Training texts"),
    "metric_n_real": ("Di antaranya ulasan asli", "Of which real reviews"),
    "metric_seed": ("Benih acak", "Random seed"),
    "metric_validation_real": ("Ulasan nyata (validasi silang)", "Real reviews (cross-validation)"),
    "validation_real_caption": (
        "Ulasan nyata berlabel, masing-masing dinilai oleh model yang dilatih tanpa ulasan itu (5 lipatan): "
        "ukuran yang paling dekat dengan hitungan di dasbor. Validasi di bawahnya juga memuat teks contoh "
        "tulisan tim, yang lebih mudah dikenali.",
        "Labelled real reviews, each scored by a model trained without it (5 folds): the measure closest to "
        "the counts on the dashboard. The validation below also holds the team's written examples, which "
        "are easier to recognise.",
    ),
    "metric_validation": ("Validasi (teks yang disisihkan)", "Validation (held-out texts)"),
    "metric_test": ("Uji (set uji)", "Test (test set)"),
    "metric_per_category": ("Per kategori", "Per category"),
    "metric_macro_f1": ("Ketepatan, semua kategori (F1 makro)", "Accuracy, all categories (macro F1)"),
    "metric_micro_f1": ("Ketepatan per label (F1 mikro)", "Accuracy per label (micro F1)"),
    "metric_exact_match": ("Semua kategori tepat", "All categories right"),
    "metric_n": ("Teks yang dinilai", "Texts scored"),
    "metric_precision": ("Ketepatan", "Precision"),
    "metric_recall": ("Kelengkapan", "Recall"),
    "metric_f1": ("F1", "F1"),
    "metric_support": ("Teks", "Texts"),
    "other_metrics": ("Metrik lain", "Other metrics"),
    "all_models": ("Semua model ({n})", "All models ({n})"),
    "model": ("Model", "Model"),
    "trained_at": ("Dilatih (UTC)", "Trained (UTC)"),
    "registered_at": ("Terdaftar (UTC)", "Registered (UTC)"),
    "n_train": ("Teks latih", "Training texts"),
    "current": ("Dipakai", "In use"),
    "runs_title": ("Riwayat jalan", "Runs"),
    "no_runs": (
        "Belum ada catatan jalan: jalankan `suara collect` atau `make demo`.",
        "No runs recorded yet: run `suara collect` or `make demo`.",
    ),
    "last_run": ("Jalan terakhir", "Last run"),
    "last_run_at": ("Dimulai (UTC)", "Started (UTC)"),
    "failed_runs": ("Jalan gagal", "Failed runs"),
    "failed_runs_help": ("Di antara {n} jalan terakhir.", "Among the last {n} runs."),
    "job": ("Tugas", "Job"),
    "started_at": ("Mulai (UTC)", "Started (UTC)"),
    "seconds": ("Detik", "Seconds"),
    "status": ("Status", "Status"),
    "message": ("Pesan", "Message"),
    "status_success": ("berhasil", "success"),
    "status_failed": ("gagal", "failed"),
    "status_running": ("berjalan", "running"),
    "fetched": ("Diambil", "Fetched"),
    "new": ("Baru", "New"),
    "updated": ("Diperbarui", "Updated"),
    "skipped": ("Dilewati", "Skipped"),
    "errors": ("Galat", "Errors"),
    "gartner_stage": ("Tahap Gartner", "Gartner stage"),
    "harvard_element": ("Elemen Harvard", "Harvard element"),
    "fw_mapping": ("Pemetaan kategori", "Category mapping"),
}
