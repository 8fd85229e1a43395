package guess

// The names columns have in files people import, by object and field,
// besides each field's own name and catalogue labels. They come from the
// exports and import templates of Salesforce, HubSpot, Pipedrive,
// amoCRM/Kommo, Bitrix24, Google Contacts and Outlook, and from the words
// spreadsheets use in Rapport's six languages; docs/decisions/
// 0041-reading-spreadsheets.md lists them by source. Numbering ("E-mail 2"),
// case, accents, punctuation and word order do not matter, nor do the
// qualifiers below once the whole name has not matched.

// qualifiers are words that say which of several values a column holds
// (work or home, billing or shipping) or that it holds the value itself;
// a header is matched again without them.
var qualifiers = map[string]bool{}

func init() {
	for _, w := range []string{
		"work", "home", "business", "office", "mailing", "billing", "shipping", "other",
		"primary", "main", "personal", "private", "direct", "value", "address", "number",
		"рабочий", "рабочая", "рабочее", "домашний", "личный", "частный", "другой", "основной", "прямой",
		"służbowy", "domowy", "prywatny", "inny",
		"darbo", "namų", "asmeninis", "kitas",
		"serviciu", "acasă",
		"жұмыс", "үй",
	} {
		qualifiers[Key(w)] = true
	}
}

// Names shared by several objects.
var (
	emails = []string{
		"Email", "E-mail", "Emails", "Mail", "Email address", "E-mail 1 - Value", // Google Contacts
		"E-mail 2 Address", "E-mail 3 Address", // Outlook
		"Email - Work", "Email - Home", "Email - Other", // Pipedrive
		"Work email", "Personal email", "Other email", // Kommo
		"Рабочий email", "Личный email", "Другой email", // amoCRM
		"Рабочий e-mail", "Частный e-mail", "Другой e-mail", // Bitrix24
		"Электронная почта", "Почта", "Эл. почта", "Email адрес",
		"Электрондық пошта", "Пошта",
		"Adres e-mail", "Poczta e-mail", "Poczta",
		"El. paštas", "El. pašto adresas", "Elektroninis paštas",
		"Adresă de e-mail", "Poștă electronică",
	}
	phones = []string{
		"Phone", "Phone number", "Telephone", "Tel", "Mobile", "Mobile phone", "Cell", "Cell phone",
		"Business Phone", "Home Phone", "Other Phone", "Primary Phone", "Car Phone", // Outlook
		"Phone 1 - Value",                // Google Contacts
		"Mobile Phone Number",            // HubSpot
		"Phone - Work", "Phone - Mobile", // Pipedrive
		"Work phone", "Work direct phone", // Kommo
		"Телефон", "Телефоны", "Мобильный телефон", "Мобильный", "Рабочий телефон", "Домашний телефон",
		"Рабочий прямой телефон", "Другой телефон", "Номер телефона", "Тел.",
		"Ұялы телефон", "Телефон нөмірі",
		"Telefon", "Numer telefonu", "Telefon komórkowy", "Komórka", "Tel. kom.",
		"Telefonas", "Telefono numeris", "Mobilusis telefonas", "Mob. tel.",
		"Număr de telefon", "Telefon mobil", "Mobil",
	}
	websites = []string{
		"Website", "Web site", "Web page", "Web", "URL", "Site", "Homepage",
		"Website URL", "Personal Web Page", "Website 1 - Value",
		"Сайт", "Веб-сайт", "Strona internetowa", "Strona www", "WWW",
		"Svetainė", "Interneto svetainė", "Site web", "Pagină web",
	}
	owners = []string{
		"Owner", "Record owner", "Responsible", "Responsible user", "Assigned to", "Assigned to user", "Assigned",
		"Ответственный", "Владелец", "Исполнитель",
		"Иесі", "Жауапты",
		"Właściciel", "Opiekun", "Odpowiedzialny",
		"Savininkas", "Atsakingas",
		"Proprietar", "Responsabil",
	}
	tags = []string{
		"Tags", "Tag", "Labels", "Label", "Group Membership", "Categories",
		"Теги", "Метки", "Тегтер", "Белгілер",
		"Tagi", "Etykiety", "Žymos", "Žymės", "Etichete",
	}
	sources = []string{
		"Source", "Lead source", "Original Source", "Source channel", "Channel",
		"Источник", "Канал", "Дереккөз", "Źródło", "Šaltinis", "Sursă",
	}
	streets = []string{
		"Street", "Street address", "Address line 1", "Address 1 - Street",
		"Улица", "Көше", "Ulica", "Gatvė", "Stradă", "Strada",
	}
	cities = []string{
		"City", "Town", "Locality", "Address 1 - City",
		"Город", "Населенный пункт", "Қала", "Miasto", "Miejscowość", "Miestas", "Oraș", "Localitate",
	}
	regions = []string{
		"State", "Region", "Province", "State/Province", "State/Region", "County", "Address 1 - Region",
		"Регион", "Область", "Край", "Облыс", "Аймақ", "Województwo", "Apskritis", "Regionas", "Județ", "Regiune",
	}
	postcodes = []string{
		"Postal code", "Zip", "Zip code", "Postcode", "Zip/Postal Code", "Address 1 - Postal Code",
		"Индекс", "Почтовый индекс", "Пошта индексі", "Kod pocztowy", "Pašto kodas", "Cod poștal",
	}
	countries = []string{
		"Country", "Country/Region", "Address 1 - Country",
		"Страна", "Ел", "Мемлекет", "Kraj", "Šalis", "Valstybė", "Țară",
	}
	addresses = []string{
		"Address", "Postal address", "Mailing address", "Full address", "Address 1 - Formatted",
		"Адрес", "Почтовый адрес", "Мекенжай", "Adres", "Adresas", "Adresă",
	}
	currencies = []string{"Currency", "Валюта", "Waluta", "Valiuta", "Monedă", "Valută"}
	bodies     = []string{
		"Notes", "Note", "Comment", "Comments", "Description", "Text", "Body", "Content",
		"Примечание", "Заметка", "Комментарий", "Описание", "Текст",
		"Ескертпе", "Мәтін", "Notatka", "Komentarz", "Treść", "Opis",
		"Pastaba", "Komentaras", "Tekstas", "Notă", "Comentariu", "Text",
	}
)

// address returns the names of an address and its parts.
func address() map[string][]string {
	return map[string][]string{
		"address": addresses, "address.street": streets, "address.city": cities,
		"address.region": regions, "address.postal_code": postcodes, "address.country": countries,
	}
}

func with(m map[string][]string, more map[string][]string) map[string][]string {
	for k, v := range more {
		m[k] = v
	}
	return m
}

// known holds the names by object and field.
var known = map[string]map[string][]string{
	"contact": with(address(), map[string][]string{
		"first_name": {"First name", "Given name", "First", "Forename",
			"Имя", "Аты", "Есімі", "Imię", "Vardas", "Prenume"},
		"last_name": {"Last name", "Surname", "Family name", "Last",
			"Фамилия", "Тегі", "Nazwisko", "Pavardė", "Nume de familie", "Nume"},
		"full_name": {"Full name", "Name", "Contact name", "Display name", "Contact full name",
			"Полное имя", "Полное имя контакта", "ФИО", "Ф.И.О.", "Имя контакта",
			"Толық аты-жөні", "Аты-жөні", "Imię i nazwisko", "Vardas ir pavardė", "Vardas, pavardė",
			"Nume complet", "Nume și prenume"},
		"emails": emails,
		"phones": phones,
		"job_title": {"Job title", "Title", "Position", "Organization Title", "Organization 1 - Title",
			"Должность", "Лауазымы", "Stanowisko", "Pareigos", "Funcție", "Poziție"},
		"companies": {"Company", "Company name", "Organization", "Organisation", "Organization name",
			"Organization 1 - Name", "Account name", "Account", "Contact company",
			"Компания", "Компания контакта", "Организация", "Название компании",
			"Ұйым", "Firma", "Nazwa firmy", "Organizacja", "Įmonė", "Įmonės pavadinimas", "Organizacija",
			"Companie", "Firmă", "Organizație", "Numele companiei"},
		"website":         websites,
		"social_profiles": {"Social profiles", "LinkedIn", "LinkedIn URL", "Twitter", "Facebook", "Социальные сети", "Соцсети"},
		"birthday": {"Birthday", "Birthdate", "Date of birth", "DOB", "Born",
			"День рождения", "Дата рождения", "Туған күні", "Data urodzenia", "Urodziny",
			"Gimimo data", "Gimtadienis", "Data nașterii", "Ziua de naștere"},
		"language": {"Language", "Preferred language", "Язык", "Тіл", "Język", "Kalba", "Limbă"},
		"source":   sources,
		"owner_id": append([]string{"Contact owner"}, owners...),
		"tags":     tags,
	}),
	"company": with(address(), map[string][]string{
		"name": {"Name", "Company", "Company name", "Account name", "Account", "Organization", "Organisation",
			"Organization name", "Название", "Название компании", "Компания", "Наименование", "Организация",
			"Атауы", "Компания атауы", "Nazwa", "Nazwa firmy", "Firma",
			"Pavadinimas", "Įmonė", "Įmonės pavadinimas", "Denumire", "Nume companie", "Companie", "Nume"},
		"domain":   {"Domain", "Company Domain Name", "Домен", "Domena", "Domenas", "Domeniu"},
		"website":  websites,
		"phones":   phones,
		"emails":   emails,
		"industry": {"Industry", "Sector", "Отрасль", "Сфера деятельности", "Сала", "Branża", "Pramonės šaka", "Sritis", "Industrie"},
		"size": {"Size", "Employees", "Number of employees", "Company size", "Headcount",
			"Количество сотрудников", "Кол-во сотрудников", "Численность", "Қызметкерлер саны",
			"Liczba pracowników", "Darbuotojų skaičius", "Număr de angajați"},
		"owner_id": append([]string{"Company owner", "Account owner"}, owners...),
		"tags":     tags,
	}),
	"deal": {
		"title": {"Title", "Deal name", "Deal title", "Opportunity name", "Lead name", "Name",
			"Название сделки", "Название", "Сделка", "Мәміле атауы", "Nazwa transakcji", "Tytuł",
			"Sandorio pavadinimas", "Nume afacere", "Titlu"},
		"value": {"Value", "Amount", "Deal value", "Sale", "Budget",
			"Бюджет", "Сумма", "Сумма сделки", "Сомасы", "Wartość", "Kwota", "Vertė", "Suma", "Valoare", "Sumă"},
		"value.currency": append([]string{"Opportunity Currency", "Deal currency"}, currencies...),
		"pipeline_id":    {"Pipeline", "Воронка", "Направление", "Lejek", "Piltuvas"},
		"stage_id": {"Stage", "Deal stage", "Lead status", "Этап", "Этап сделки", "Стадия", "Стадия сделки",
			"Кезең", "Etap", "Etapas", "Etapă"},
		"status":     {"Status", "Deal status", "Статус", "Күйі", "Būsena", "Stare"},
		"owner_id":   append([]string{"Deal owner", "Opportunity owner"}, owners...),
		"company_id": {"Company", "Organization", "Account name", "Associated company", "Компания", "Organizacja", "Firma", "Įmonė", "Companie"},
		"contacts": {"Contact", "Contacts", "Contact person", "Associated contact", "Контакт", "Контактное лицо", "Основной контакт",
			"Osoba kontaktowa", "Kontakt", "Kontaktinis asmuo", "Persoană de contact"},
		"expected_close_date": {"Expected close date", "Close date", "Closing date", "Дата закрытия",
			"Предполагаемая дата закрытия", "Data zamknięcia", "Numatoma uždarymo data", "Data închiderii"},
		"source":            sources,
		"loss_reason_id":    {"Lost reason", "Loss reason", "Closed lost reason", "Причина отказа", "Причина проигрыша", "Powód utraty"},
		"loss_note":         {"Loss note", "Lost note"},
		"probability":       {"Probability", "Probability (%)", "Вероятность", "Prawdopodobieństwo", "Tikimybė", "Probabilitate"},
		"forecast_category": {"Forecast category"},
		"tags":              tags,
	},
	"product": {
		"name": {"Name", "Product name", "Product", "Название", "Наименование", "Товар", "Продукт",
			"Название товара", "Наименование товара", "Атауы", "Өнім", "Өнім атауы", "Тауар",
			"Nazwa", "Nazwa produktu", "Nazwa towaru", "Produkt", "Towar", "Pavadinimas", "Produktas", "Prekė", "Prekės pavadinimas",
			"Denumire", "Nume produs", "Produs", "Denumire produs"},
		"sku": {"SKU", "Product code", "Code", "Article", "Article number", "Item number", "Part number",
			"Артикул", "Код", "Код товара", "Артикулы", "Өнім коды", "Kod produktu", "Kod towaru", "Indeks",
			"Prekės kodas", "Kodas", "Artikulas", "Cod produs", "Cod", "Cod articol"},
		"unit": {"Unit", "Unit of measure", "Quantity Unit Of Measure", "UOM", "Единица измерения", "Ед. изм.", "Ед.",
			"Өлшем бірлігі", "Jednostka", "Jednostka miary", "J.m.", "Matavimo vienetas", "Mato vnt.", "Unitate de măsură", "UM"},
		"price": {"Price", "Unit price", "List price", "Sales price", "Цена", "Цена продажи", "Стоимость", "Бағасы", "Баға",
			"Cena", "Cena jednostkowa", "Cena sprzedaży", "Kaina", "Vieneto kaina", "Preț", "Preț unitar"},
		"price.currency": append([]string{"Price currency", "Currency code", "Валюта цены"}, currencies...),
		"tax_rate":       {"Tax", "Tax rate", "VAT", "НДС", "Налог", "Ставка НДС", "ҚҚС", "Салық", "Stawka VAT", "VAT", "Podatek", "PVM", "Mokestis", "TVA", "Cotă TVA"},
		"active":         {"Active", "Is active", "Активен", "Активный", "Белсенді", "Aktywny", "Aktyvus", "Activ"},
		"description":    {"Description", "Product description", "Описание", "Описание товара", "Сипаттама", "Opis", "Opis produktu", "Aprašymas", "Descriere"},
	},
	// An activities file holds tasks, calls, meetings and notes, each
	// row's kind in a column; its fields are the importer's (ActivityFields).
	"activity": {
		"kind": {"Kind", "Type", "Activity type", "Engagement type", "Activity", "Task Subtype", "Object type",
			"Тип", "Вид", "Тип активности", "Тип дела", "Тип события", "Түрі", "Әрекет түрі",
			"Typ", "Rodzaj", "Typ aktywności", "Tipas", "Veiklos tipas", "Tip", "Tip activitate"},
		"title": {"Subject", "Title", "Name", "Activity subject", "Task title", "Meeting name",
			"Тема", "Название", "Заголовок", "Тақырып", "Атауы", "Temat", "Tytuł", "Tema", "Pavadinimas", "Subiect", "Titlu"},
		"due_at": {"Due date", "Due", "Deadline", "Activity date", "Date", "Start", "Start date", "Start time", "Starts",
			"Start date time", "Call date", "Meeting date", "Date of activity", "Created date",
			"Срок", "Крайний срок", "Дата", "Дата выполнения", "Дата начала", "Начало", "Дата звонка", "Дата встречи",
			"Мерзімі", "Күні", "Басталуы", "Termin", "Data", "Data rozpoczęcia", "Początek",
			"Terminas", "Pradžia", "Termen", "Scadență", "Început", "Data începerii"},
		"due_time": {"Due time", "Time", "Время", "Время начала", "Уақыты", "Godzina", "Laikas", "Ora"},
		"ends_at": {"End", "Ends", "End time", "End date", "End date time", "Окончание", "Дата окончания", "Аяқталуы",
			"Koniec", "Data zakończenia", "Pabaiga", "Sfârșit", "Data încheierii"},
		"done": {"Done", "Completed", "Is completed", "Is closed", "Closed", "Marked as done", "Task status",
			"Выполнено", "Выполнена", "Завершено", "Завершена", "Орындалды", "Wykonane", "Zakończone", "Atlikta", "Finalizat", "Efectuat"},
		"duration": {"Duration", "Call duration", "Duration (seconds)", "Длительность", "Продолжительность", "Длительность звонка",
			"Ұзақтығы", "Czas trwania", "Trukmė", "Durată"},
		"type":          {"Task type", "Тип задачи", "Тапсырма түрі", "Typ zadania", "Užduoties tipas", "Tip sarcină"},
		"direction":     {"Direction", "Call direction", "Call type", "Направление", "Направление звонка", "Бағыты", "Kierunek", "Kryptis", "Direcție"},
		"phone":         {"Phone", "Number", "Phone number", "Телефон", "Номер", "Номер телефона", "Telefon", "Numer", "Telefonas", "Numeris", "Număr"},
		"call_result":   {"Call result", "Call outcome", "Call status", "Результат звонка", "Статус звонка", "Wynik połączenia", "Skambučio rezultatas", "Rezultat apel"},
		"recording_url": {"Recording", "Recording URL", "Call recording", "Запись", "Запись разговора", "Nagranie", "Įrašas", "Înregistrare"},
		"place":         {"Place", "Location", "Where", "Место", "Место проведения", "Орны", "Miejsce", "Vieta", "Loc", "Locație"},
		"body":          bodies,
		"result":        {"Result", "Outcome", "Результат", "Нәтиже", "Wynik", "Rezultatas", "Rezultat"},
		"owner_id":      append([]string{"Activity owner", "Task owner", "Assigned user", "Assignee", "Created by", "Автор", "Постановщик"}, owners...),
		"contact": {"Contact", "Contact email", "Contact e-mail", "Email", "E-mail", "Contact person", "Person", "Associated contact",
			"Contact ID", "Name (contact)", "Контакт", "Контактное лицо", "Email контакта", "Байланыс", "Kontakt", "Osoba kontaktowa",
			"Kontaktinis asmuo", "Persoană de contact"},
		"company": {"Company", "Company name", "Organization", "Organisation", "Account", "Account name", "Associated company",
			"Компания", "Организация", "Ұйым", "Компания атауы", "Firma", "Organizacja", "Įmonė", "Companie", "Organizație"},
		"deal": {"Deal", "Deal name", "Deal title", "Deal ID", "Opportunity", "Opportunity name", "Associated deal", "Lead",
			"Сделка", "Название сделки", "Мәміле", "Transakcja", "Szansa sprzedaży", "Sandoris", "Afacere", "Oportunitate"},
	},
	"task": {
		"title": {"Subject", "Title", "Task", "Name", "Тема", "Название", "Задача", "Тақырып",
			"Temat", "Tytuł", "Zadanie", "Tema", "Užduotis", "Subiect", "Titlu", "Sarcină"},
		"type":     {"Type", "Task type", "Activity type", "Тип", "Түрі", "Typ", "Tipas", "Tip"},
		"due_at":   {"Due date", "Due", "Deadline", "Activity Date", "Срок", "Крайний срок", "Дата выполнения", "Мерзімі", "Termin", "Terminas", "Termen", "Scadență"},
		"done":     {"Done", "Completed", "Выполнено", "Выполнена", "Завершена", "Орындалды", "Wykonane", "Atlikta", "Finalizat"},
		"result":   {"Result", "Outcome", "Результат", "Нәтиже", "Wynik", "Rezultatas", "Rezultat"},
		"owner_id": owners,
	},
	"note": {
		"body":     bodies,
		"owner_id": owners,
	},
	"call": {
		"direction":        {"Direction", "Call direction", "Направление", "Направление звонка", "Kierunek", "Kryptis", "Direcție"},
		"phone":            {"Phone", "Number", "Phone number", "Телефон", "Номер", "Номер телефона", "Telefon", "Numer", "Telefonas", "Numeris", "Număr"},
		"duration_seconds": {"Duration", "Call duration", "Длительность", "Продолжительность", "Ұзақтығы", "Czas trwania", "Trukmė", "Durată"},
		"call_result":      {"Result", "Call result", "Outcome", "Результат", "Результат звонка", "Wynik", "Rezultatas", "Rezultat"},
		"started_at":       {"Started at", "Start", "Date", "Call date", "Call time", "Дата", "Дата звонка", "Время звонка", "Data", "Data", "Pradžia"},
		"recording_url":    {"Recording", "Recording URL", "Запись", "Запись разговора", "Nagranie", "Įrašas", "Înregistrare"},
		"body":             bodies,
		"owner_id":         owners,
	},
	"meeting": {
		"title":     {"Subject", "Title", "Name", "Тема", "Название", "Temat", "Tytuł", "Tema", "Subiect", "Titlu"},
		"starts_at": {"Start", "Starts", "Start time", "Start date", "Begins", "Начало", "Дата начала", "Басталуы", "Początek", "Pradžia", "Început"},
		"ends_at":   {"End", "Ends", "End time", "End date", "Окончание", "Дата окончания", "Аяқталуы", "Koniec", "Pabaiga", "Sfârșit"},
		"place":     {"Place", "Location", "Where", "Место", "Место проведения", "Орны", "Miejsce", "Vieta", "Loc", "Locație"},
		"attendees": {"Attendees", "Participants", "Участники", "Қатысушылар", "Uczestnicy", "Dalyviai", "Participanți"},
		"body":      bodies,
		"owner_id":  owners,
	},
}
