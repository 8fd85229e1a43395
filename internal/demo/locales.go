package demo

// The locale tables below are the raw material of the demo data. Every
// phone pattern was checked against libphonenumber (see TestPhonePatterns),
// so a change here is caught by the tests rather than by a user.
//
// Patterns: '#' is any digit, 'N' a digit from 2 to 9. Postal codes: '#' is
// a digit, '@' an upper-case letter.

// city is a place a contact or company can be in. mobile, when set,
// replaces the country's mobile patterns, for countries whose mobile
// numbers carry an area code (the US, Canada, Brazil, Mexico); landline is
// the number pattern of an office there, falling back to a mobile one.
type city struct {
	name, region, postal string
	mobile, landline     string
}

// nameSet is the personal names of one language. Surnames written
// "masculine|feminine" take the feminine form for women, as Slavic
// languages require.
type nameSet struct {
	male, female, last []string
}

// brandSet builds invented company names by joining a head and a tail
// ("Nova" + "tech"); sector words are sometimes appended.
type brandSet struct {
	heads, tails, sectors []string
}

// locale is one country with its language: everything a record needs to
// look as if it came from there.
type locale struct {
	tag      string // BCP 47 language tag stored in contacts.language
	country  string // ISO 3166 code stored in address.country
	weight   int    // share of the records, relative to the other locales
	currency string
	perEUR   float64 // rough units of currency per euro, to scale money
	names    *nameSet
	// familyFirst puts the surname before the given names in the full
	// name (Vietnamese); doubleSurname sometimes gives two (Spanish).
	familyFirst, doubleSurname bool
	translit                   map[rune]string // overrides for e-mail addresses
	cities                     []city
	streets                    []string
	streetFmt                  string // %[1]s street, %[2]d house number
	mobiles                    []string
	freemail                   []string
	tld                        string
	legal                      []string // company name formats, %s is the base name
	partners                   string   // "X & Partners" format
	brands                     *brandSet

	// Filled by init from the tables above: each name with its ASCII
	// spelling for e-mail addresses.
	male, female, lastM, lastF []word
	heads, tails               []word
}

var english = &nameSet{
	male: []string{"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Daniel",
		"Matthew", "Christopher", "Andrew", "Ryan", "Brian", "Kevin", "Jason", "Patrick", "Liam", "Oliver"},
	female: []string{"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
		"Emily", "Emma", "Olivia", "Sophie", "Hannah", "Laura", "Rachel", "Megan", "Chloe", "Grace"},
	last: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
		"Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
		"Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
		"Campbell", "Murphy", "O'Brien", "Kelly", "Evans", "Roberts", "Walsh", "Byrne", "McCarthy", "Hughes"},
}

var german = &nameSet{
	male: []string{"Lukas", "Jonas", "Maximilian", "Felix", "Leon", "Paul", "Jürgen", "Günter", "Klaus", "Stefan",
		"Matthias", "Andreas", "Tobias", "Sebastian", "Björn", "Jörg", "Uwe", "Florian", "Michael", "Thomas"},
	female: []string{"Anna", "Lena", "Sophie", "Marie", "Lea", "Jana", "Katharina", "Sabine", "Ursula", "Jutta",
		"Birgit", "Anja", "Käthe", "Bärbel", "Dörte", "Franziska", "Charlotte", "Annika", "Jördis", "Monika"},
	last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
		"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Köhler", "Weiß",
		"Groß", "Jäger", "Böhm", "Vogel", "Huber", "Gruber", "Brunner", "Steiner", "Moser", "Frei"},
}

var french = &nameSet{
	male: []string{"Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "François", "Stéphane", "Sébastien", "Jérôme",
		"Frédéric", "Thierry", "Benoît", "Hugo", "Théo", "Loïc", "Gaël", "Clément", "Julien", "Mathéo"},
	female: []string{"Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Céline", "Hélène", "Émilie", "Chloé",
		"Léa", "Manon", "Camille", "Inès", "Zoé", "Mélanie", "Aurélie", "Océane", "Gaëlle", "Agnès"},
	last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Legrand", "Gauthier",
		"Chevalier", "Lemaître", "Bénard", "Gérard", "Rivière", "Peeters", "Janssens", "Dumont", "Lejeune", "Bouchard"},
}

var spanish = &nameSet{
	male: []string{"José", "Antonio", "Manuel", "Francisco", "Juan", "David", "Javier", "Daniel", "Carlos", "Jesús",
		"Alejandro", "Miguel", "Rafael", "Pablo", "Sergio", "Álvaro", "Adrián", "Iñaki", "Raúl", "Andrés"},
	female: []string{"María", "Carmen", "Ana", "Isabel", "Laura", "Cristina", "Marta", "Lucía", "Elena", "Sofía",
		"Paula", "Pilar", "Dolores", "Rocío", "Begoña", "Inés", "Nuria", "Mónica", "Verónica", "Ángela"},
	last: []string{"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
		"Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
		"Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Castillo",
		"Ibáñez", "Núñez", "Peña", "Cruz", "Flores", "Reyes", "Morales", "Ortiz", "Castañeda", "Mendoza"},
}

var portuguese = &nameSet{
	male: []string{"João", "José", "Pedro", "Lucas", "Gabriel", "Rafael", "Tiago", "Miguel", "Gonçalo", "Rodrigo",
		"Mateus", "Luís", "Vítor", "Fábio", "Sérgio", "Caio", "Thiago", "Guilherme", "André", "Rui"},
	female: []string{"Maria", "Ana", "Beatriz", "Mariana", "Inês", "Leonor", "Sofia", "Carolina", "Júlia", "Letícia",
		"Camila", "Larissa", "Luíza", "Fernanda", "Patrícia", "Conceição", "Graça", "Bárbara", "Joana", "Rita"},
	last: []string{"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Fernandes",
		"Gonçalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro", "Pinto", "Carvalho", "Teixeira",
		"Moreira", "Correia", "Mendes", "Nunes", "Araújo", "Magalhães", "Simões", "Brandão", "Assunção", "Sá"},
}

var italian = &nameSet{
	male: []string{"Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Angelo", "Vincenzo", "Pietro", "Salvatore",
		"Niccolò", "Lorenzo", "Matteo", "Andrea", "Marco", "Alessandro", "Davide", "Federico", "Nicolò", "Gianluca"},
	female: []string{"Maria", "Anna", "Giuseppina", "Rosa", "Angela", "Giovanna", "Teresa", "Lucia", "Carmela", "Francesca",
		"Giulia", "Chiara", "Sara", "Martina", "Alessia", "Elisa", "Federica", "Silvia", "Benedetta", "Ilaria"},
	last: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
		"Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
		"Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone",
		"D'Angelo", "Longo", "Gentile", "Vitale", "Serra", "Coppola", "De Santis", "Fabbri", "Parisi", "Sanna"},
}

var polish = &nameSet{
	male: []string{"Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub", "Łukasz", "Grzegorz",
		"Mateusz", "Wojciech", "Mariusz", "Dariusz", "Zbigniew", "Jerzy", "Kamil", "Maciej", "Szymon", "Bartłomiej"},
	female: []string{"Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Magdalena",
		"Joanna", "Zofia", "Aleksandra", "Monika", "Beata", "Dorota", "Żaneta", "Urszula", "Jadwiga", "Grażyna"},
	last: []string{"Nowak", "Kowalski|Kowalska", "Wiśniewski|Wiśniewska", "Wójcik", "Kowalczyk", "Kamiński|Kamińska",
		"Lewandowski|Lewandowska", "Zieliński|Zielińska", "Szymański|Szymańska", "Woźniak", "Dąbrowski|Dąbrowska",
		"Kozłowski|Kozłowska", "Jankowski|Jankowska", "Mazur", "Kwiatkowski|Kwiatkowska", "Krawczyk",
		"Piotrowski|Piotrowska", "Grabowski|Grabowska", "Pawłowski|Pawłowska", "Michalski|Michalska", "Król",
		"Wieczorek", "Jabłoński|Jabłońska", "Wróbel", "Nowicki|Nowicka", "Majewski|Majewska", "Olszewski|Olszewska",
		"Stępień", "Jaworski|Jaworska", "Malinowski|Malinowska", "Górski|Górska", "Sikora", "Walczak", "Baran",
		"Rutkowski|Rutkowska", "Michalak", "Szewczyk", "Ostrowski|Ostrowska", "Pietrzak", "Duda"},
}

var czech = &nameSet{
	male: []string{"Jiří", "Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav", "Zdeněk",
		"Václav", "Michal", "František", "Jakub", "Lukáš", "Vojtěch", "Ondřej", "Radek", "Štěpán", "Matěj"},
	female: []string{"Marie", "Jana", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Věra", "Lucie", "Alena",
		"Petra", "Veronika", "Jaroslava", "Tereza", "Markéta", "Zuzana", "Barbora", "Šárka", "Dagmar", "Božena"},
	last: []string{"Novák|Nováková", "Svoboda|Svobodová", "Novotný|Novotná", "Dvořák|Dvořáková", "Černý|Černá",
		"Procházka|Procházková", "Kučera|Kučerová", "Veselý|Veselá", "Horák|Horáková", "Němec|Němcová",
		"Marek|Marková", "Pospíšil|Pospíšilová", "Pokorný|Pokorná", "Hájek|Hájková", "Král|Králová",
		"Jelínek|Jelínková", "Růžička|Růžičková", "Beneš|Benešová", "Fiala|Fialová", "Sedláček|Sedláčková",
		"Doležal|Doležalová", "Zeman|Zemanová", "Kolář|Kolářová", "Navrátil|Navrátilová", "Čermák|Čermáková",
		"Urban|Urbanová", "Vaněk|Vaňková", "Blažek|Blažková", "Kříž|Křížová", "Kovář|Kovářová"},
}

var turkish = &nameSet{
	male: []string{"Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman", "Yusuf",
		"Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Emre", "Burak", "Çağrı", "Oğuz", "Barış"},
	female: []string{"Fatma", "Ayşe", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Sultan", "Hanife",
		"Merve", "Büşra", "Özlem", "Gülşen", "Çiğdem", "Tuğba", "Dilek", "Ebru", "Işıl", "Gökçe"},
	last: []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
		"Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek",
		"Polat", "Özcan", "Korkmaz", "Çakır", "Erdoğan", "Yavuz", "Can", "Acar", "Şen", "Aktaş",
		"Güler", "Bozkurt", "Güneş", "Işık", "Uçar"},
}

var vietnamese = &nameSet{
	male: []string{"Văn An", "Minh Tuấn", "Đức Anh", "Quang Huy", "Hoàng Nam", "Văn Hùng", "Thanh Tùng", "Minh Khôi",
		"Gia Bảo", "Hữu Phước", "Quốc Bảo", "Đình Long", "Tiến Dũng", "Công Vinh", "Văn Đức", "Minh Quân"},
	female: []string{"Thị Lan", "Thị Hoa", "Ngọc Anh", "Thu Trang", "Thanh Hương", "Minh Châu", "Thị Mai", "Phương Linh",
		"Bảo Ngọc", "Thùy Dung", "Hồng Nhung", "Kim Oanh", "Thị Hằng", "Mỹ Duyên", "Khánh Linh", "Thu Hà"},
	last: []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
		"Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh"},
}

var swedish = &nameSet{
	male: []string{"Lars", "Anders", "Johan", "Per", "Erik", "Karl", "Nils", "Magnus", "Björn", "Håkan",
		"Göran", "Mikael", "Fredrik", "Jonas", "Oskar", "Åke"},
	female: []string{"Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Ingrid", "Åsa", "Linnéa",
		"Märta", "Elin", "Sofia", "Emma", "Maja", "Ebba"},
	last: []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
		"Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
		"Lindberg", "Lindström", "Lindqvist", "Lundgren", "Berglund", "Åberg", "Ström", "Sjöberg", "Nyström",
		"Söderberg", "Öberg", "Holmström"},
}

var norwegian = &nameSet{
	male: []string{"Ole", "Lars", "Jan", "Per", "Bjørn", "Kjell", "Knut", "Arne", "Svein", "Håkon",
		"Øyvind", "Jørgen", "Sindre", "Eirik", "Magnus", "Tore"},
	female: []string{"Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Solveig", "Ragnhild", "Åse", "Sigrid",
		"Ingeborg", "Tone", "Hilde", "Kristin", "Nora", "Ida"},
	last: []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
		"Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen",
		"Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Lie", "Sæther", "Bakken", "Strøm",
		"Solberg", "Ødegård", "Løvås", "Aas"},
}

var danish = &nameSet{
	male: []string{"Jens", "Peter", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Anders",
		"Mads", "Rasmus", "Jesper", "Morten", "Christian", "Kasper"},
	female: []string{"Anne", "Kirsten", "Mette", "Hanne", "Helle", "Susanne", "Lene", "Maria", "Marianne", "Inge",
		"Karen", "Camilla", "Louise", "Birthe", "Bodil", "Signe"},
	last: []string{"Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
		"Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
		"Poulsen", "Johansen", "Møller", "Mortensen", "Østergaard", "Kjær", "Lund", "Holm", "Bækgaard", "Damgård"},
}

var finnish = &nameSet{
	male: []string{"Juha", "Timo", "Matti", "Kari", "Mikko", "Antti", "Jari", "Jukka", "Markku", "Pekka",
		"Heikki", "Janne", "Ville", "Tuomas", "Eero", "Väinö"},
	female: []string{"Anna", "Tuula", "Päivi", "Ritva", "Leena", "Pirjo", "Sari", "Minna", "Riitta", "Anne",
		"Tiina", "Marjatta", "Aino", "Helmi", "Siiri", "Sanna"},
	last: []string{"Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
		"Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä",
		"Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen",
		"Mattila", "Savolainen", "Lahtinen", "Ahonen"},
}

var russian = &nameSet{
	male: []string{"Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил", "Артём",
		"Николай", "Владимир", "Павел", "Юрий", "Олег", "Кирилл", "Илья", "Виктор", "Григорий", "Фёдор"},
	female: []string{"Анна", "Елена", "Ольга", "Наталья", "Екатерина", "Татьяна", "Мария", "Ирина", "Светлана", "Юлия",
		"Анастасия", "Ксения", "Дарья", "Людмила", "Галина", "Алёна", "Виктория", "Полина", "Софья", "Евгения"},
	last: []string{"Иванов|Иванова", "Смирнов|Смирнова", "Кузнецов|Кузнецова", "Попов|Попова", "Васильев|Васильева",
		"Петров|Петрова", "Соколов|Соколова", "Михайлов|Михайлова", "Новиков|Новикова", "Фёдоров|Фёдорова",
		"Морозов|Морозова", "Волков|Волкова", "Алексеев|Алексеева", "Лебедев|Лебедева", "Семёнов|Семёнова",
		"Егоров|Егорова", "Павлов|Павлова", "Козлов|Козлова", "Степанов|Степанова", "Николаев|Николаева",
		"Орлов|Орлова", "Андреев|Андреева", "Макаров|Макарова", "Никитин|Никитина", "Захаров|Захарова",
		"Зайцев|Зайцева", "Соловьёв|Соловьёва", "Борисов|Борисова", "Яковлев|Яковлева", "Григорьев|Григорьева",
		"Романов|Романова", "Воробьёв|Воробьёва", "Белов|Белова", "Тарасов|Тарасова", "Жуков|Жукова",
		"Щербаков|Щербакова", "Вишневский|Вишневская", "Чернышевский|Чернышевская", "Шевчук", "Ким"},
}

var ukrainian = &nameSet{
	male: []string{"Олександр", "Андрій", "Сергій", "Володимир", "Дмитро", "Максим", "Іван", "Михайло", "Олег", "Юрій",
		"Богдан", "Тарас", "Василь", "Микола", "Петро", "Ярослав", "Віталій", "Євген", "Остап", "Григорій"},
	female: []string{"Олена", "Наталія", "Оксана", "Тетяна", "Ірина", "Юлія", "Марія", "Світлана", "Людмила", "Галина",
		"Анна", "Катерина", "Софія", "Ольга", "Вікторія", "Богдана", "Ярина", "Зоряна", "Христина", "Соломія"},
	last: []string{"Мельник", "Шевченко", "Бойко", "Коваленко", "Бондаренко", "Ткаченко", "Ковальчук", "Кравченко",
		"Олійник", "Шевчук", "Коваль", "Поліщук", "Бондар", "Ткачук", "Марченко", "Руденко", "Савченко", "Мороз",
		"Лисенко", "Петренко", "Клименко", "Павленко", "Кузьменко", "Гончаренко", "Харченко", "Левченко",
		"Карпенко", "Сидоренко", "Мазур", "Гнатюк", "Костенко", "Приходько", "Ковальський|Ковальська",
		"Вишневський|Вишневська", "Яковенко", "Кравчук", "Литвиненко", "Данилюк", "Гаврилюк", "Дорошенко"},
}

var bulgarian = &nameSet{
	male: []string{"Георги", "Иван", "Димитър", "Николай", "Петър", "Христо", "Стоян", "Тодор", "Васил", "Александър",
		"Стефан", "Йордан", "Мартин", "Атанас", "Красимир", "Любомир", "Божидар", "Калоян", "Ангел", "Цветан"},
	female: []string{"Мария", "Иванка", "Елена", "Йорданка", "Пенка", "Радка", "Цветанка", "Десислава", "Гергана", "Виктория",
		"Теодора", "Николета", "Надежда", "Милена", "Росица", "Калина", "Анелия", "Веселина", "Яна", "Божана"},
	last: []string{"Иванов|Иванова", "Георгиев|Георгиева", "Димитров|Димитрова", "Петров|Петрова", "Николов|Николова",
		"Христов|Христова", "Стоянов|Стоянова", "Тодоров|Тодорова", "Илиев|Илиева", "Василев|Василева",
		"Атанасов|Атанасова", "Петков|Петкова", "Ангелов|Ангелова", "Колев|Колева", "Йорданов|Йорданова",
		"Маринов|Маринова", "Стефанов|Стефанова", "Попов|Попова", "Михайлов|Михайлова", "Кръстев|Кръстева",
		"Костов|Костова", "Димов|Димова", "Павлов|Павлова", "Митев|Митева", "Симеонов|Симеонова",
		"Цветков|Цветкова", "Александров|Александрова", "Лазаров|Лазарова", "Янков|Янкова", "Добрев|Добрева"},
}

// Invented brand names: plausible, and unlikely to be someone's trademark
// in full.
var (
	latinBrands = &brandSet{
		heads: []string{"Nova", "Alpha", "Blue", "Terra", "Vita", "Omni", "Astra", "Nord", "Sol", "Prime",
			"Bright", "Green", "Silver", "Next", "Peak", "Quanta", "Urban", "Vertex", "Zen", "Aero",
			"Helio", "Lumen", "Cedar", "Iron", "Delta", "Polar", "Summit", "Swift", "Tru", "Kora"},
		tails: []string{"tech", "soft", "line", "works", "logic", "data", "com", "net", "gate", "wave",
			"point", "field", "ware", "labs", "form", "vision", "bridge", "stone", "path", "sys"},
		sectors: []string{"Solutions", "Systems", "Group", "Consulting", "Logistics", "Digital", "Industries",
			"Services", "Analytics", "Engineering"},
	}
	russianBrands = &brandSet{
		heads: []string{"Техно", "Строй", "Агро", "Энерго", "Мега", "Инфо", "Транс", "Гео", "Сибирь", "Профи",
			"Альфа", "Вектор", "Север", "Гранит", "Орбита", "Меридиан", "Интер", "Спец", "Юг", "Волга"},
		tails: []string{"пром", "сервис", "инвест", "торг", "снаб", "лайн", "систем", "холдинг", "групп", "строй"},
	}
	ukrainianBrands = &brandSet{
		heads: []string{"Техно", "Буд", "Агро", "Енерго", "Мега", "Інфо", "Транс", "Гео", "Дніпро", "Профі",
			"Альфа", "Вектор", "Карпати", "Граніт", "Орбіта", "Меридіан", "Інтер", "Спец", "Поділля", "Слобожан"},
		tails: []string{"пром", "сервіс", "інвест", "торг", "постач", "лайн", "систем", "холдинг", "груп", "буд"},
	}
	bulgarianBrands = &brandSet{
		heads: []string{"Техно", "Строй", "Агро", "Енерго", "Мега", "Инфо", "Транс", "Гео", "Балкан", "Профи",
			"Алфа", "Вектор", "Витоша", "Гранит", "Орбита", "Меридиан", "Интер", "Спец", "Родопи", "Дунав"},
		tails: []string{"пром", "сервиз", "инвест", "търг", "комерс", "лайн", "систем", "холдинг", "груп", "строй"},
	}
	vietnameseBrands = &brandSet{
		heads: []string{"Minh", "Hòa", "Thành", "Phú", "Việt", "An", "Đại", "Hưng", "Tân", "Kim",
			"Sài Gòn", "Hà Thành", "Bình", "Nam", "Trường"},
		tails: []string{" Phát", " Bình", " Công", " Thịnh", " Tiến", " Khang", " Long", " Thành", " Phúc", " Hải"},
	}
)

var (
	englishStreets = []string{"Main Street", "Oak Avenue", "Maple Drive", "Park Road", "High Street", "Church Lane",
		"Elm Street", "Cedar Lane", "Washington Avenue", "Station Road", "King Street", "Queen Street", "Mill Lane",
		"Victoria Road", "Lake Shore Drive", "Sunset Boulevard"}
	germanStreets = []string{"Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße", "Bergstraße",
		"Lindenstraße", "Kirchweg", "Goethestraße", "Schillerstraße", "Am Markt", "Mühlenweg", "Rosenstraße"}
	frenchStreets = []string{"rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "rue de la Paix",
		"boulevard Gambetta", "rue Pasteur", "place de la Mairie", "rue des Écoles", "avenue Foch",
		"rue du Général Leclerc", "rue Nationale", "chemin des Vignes"}
	spanishStreets = []string{"Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol",
		"Plaza de España", "Calle de Alcalá", "Gran Vía", "Calle San Juan", "Avenida de Andalucía", "Calle Nueva"}
	mexicanStreets = []string{"Avenida Insurgentes Sur", "Calle Juárez", "Paseo de la Reforma", "Calle Hidalgo",
		"Calle Morelos", "Avenida Revolución", "Calle Allende", "Avenida Chapultepec"}
	portugueseStreets = []string{"Rua Augusta", "Rua do Comércio", "Avenida da Liberdade", "Rua da Igreja",
		"Rua Direita", "Praça da República", "Rua de Santa Catarina", "Avenida dos Aliados"}
	brazilianStreets = []string{"Rua das Flores", "Avenida Paulista", "Rua XV de Novembro", "Rua Sete de Setembro",
		"Avenida Brasil", "Rua São João", "Avenida Atlântica", "Rua da Consolação"}
	italianStreets = []string{"Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Mazzini", "Via Dante",
		"Via Cavour", "Piazza della Repubblica", "Via Verdi", "Via XX Settembre"}
	polishStreets = []string{"ul. Kwiatowa", "ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Szkolna",
		"ul. Ogrodowa", "ul. Lipowa", "ul. Łąkowa", "ul. Mickiewicza", "ul. Kościuszki", "al. Jerozolimskie"}
	czechStreets = []string{"Hlavní", "Nádražní", "Školní", "Husova", "Masarykova", "Palackého", "Komenského",
		"Jiráskova", "Žižkova", "Smetanova", "Na Příkopě"}
	turkishStreets = []string{"Atatürk Caddesi", "İstiklal Caddesi", "Cumhuriyet Caddesi", "Gazi Mustafa Kemal Bulvarı",
		"Bağdat Caddesi", "Menekşe Sokak", "Lale Sokak", "Gül Sokak"}
	vietnameseStreets = []string{"Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt",
		"Điện Biên Phủ", "Phan Chu Trinh", "Lê Duẩn"}
	swedishStreets = []string{"Storgatan", "Kungsgatan", "Drottninggatan", "Vasagatan", "Skolgatan", "Kyrkogatan",
		"Järnvägsgatan", "Sveavägen", "Östra Hamngatan"}
	norwegianStreets = []string{"Storgata", "Kirkegata", "Skolegata", "Parkveien", "Kongens gate",
		"Dronningens gate", "Bjørnstjerne Bjørnsons gate", "Strandveien"}
	danishStreets = []string{"Vestergade", "Østergade", "Nørregade", "Søndergade", "Algade", "Strandvejen",
		"Kongensgade", "Åboulevarden"}
	finnishStreets = []string{"Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Koulukatu",
		"Rautatienkatu", "Puistokatu", "Väinämöisenkatu"}
	russianStreets = []string{"ул. Ленина", "ул. Пушкина", "Советская ул.", "ул. Гагарина", "Невский пр-т",
		"ул. Мира", "Садовая ул.", "ул. Лермонтова", "Тверская ул.", "ул. Щорса"}
	ukrainianStreets = []string{"вул. Хрещатик", "вул. Шевченка", "вул. Івана Франка", "просп. Свободи",
		"вул. Грушевського", "вул. Лесі Українки", "вул. Сагайдачного", "вул. Січових Стрільців"}
	bulgarianStreets = []string{"бул. Витоша", "ул. Раковски", "бул. Васил Левски", "ул. Граф Игнатиев",
		"бул. Христо Ботев", "ул. Шипка", "ул. Цар Самуил"}
)

// Where names are spelt for e-mail addresses differently from just
// dropping their accents.
var (
	germanSpelling = map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss"}
	danishSpelling = map[rune]string{'æ': "ae", 'ø': "oe", 'å': "aa"}
	// Russian after the common (passport-like) romanisation.
	russianSpelling = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
		'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p",
		'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh",
		'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya"}
	// Ukrainian after the official 2010 romanisation.
	ukrainianSpelling = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e",
		'є': "ye", 'ж': "zh", 'з': "z", 'и': "y", 'і': "i", 'ї': "yi", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
		'ч': "ch", 'ш': "sh", 'щ': "shch", 'ь': "", 'ю': "yu", 'я': "ya"}
	// Bulgarian after the official streamlined system.
	bulgarianSpelling = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ж': "zh",
		'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
		'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sht",
		'ъ': "a", 'ь': "y", 'ю': "yu", 'я': "ya"}
)

// locales are the countries the demo data comes from, English-speaking
// ones most often, as in a typical international customer base.
var locales = []*locale{
	{tag: "en-US", country: "US", weight: 16, currency: "USD", perEUR: 1.1, names: english,
		cities: []city{
			{name: "New York", region: "NY", postal: "100##", mobile: "+1212N######"},
			{name: "San Francisco", region: "CA", postal: "941##", mobile: "+1415N######"},
			{name: "Chicago", region: "IL", postal: "606##", mobile: "+1312N######"},
			{name: "Boston", region: "MA", postal: "021##", mobile: "+1617N######"},
			{name: "Seattle", region: "WA", postal: "981##", mobile: "+1206N######"},
			{name: "Austin", region: "TX", postal: "787##", mobile: "+1512N######"},
			{name: "Denver", region: "CO", postal: "802##", mobile: "+1303N######"},
			{name: "Atlanta", region: "GA", postal: "303##", mobile: "+1404N######"},
			{name: "Miami", region: "FL", postal: "331##", mobile: "+1305N######"},
			{name: "Houston", region: "TX", postal: "770##", mobile: "+1713N######"},
			{name: "Washington", region: "DC", postal: "200##", mobile: "+1202N######"},
			{name: "Nashville", region: "TN", postal: "372##", mobile: "+1615N######"},
			{name: "Portland", region: "OR", postal: "972##", mobile: "+1503N######"},
		},
		streets: englishStreets, streetFmt: "%[2]d %[1]s", mobiles: []string{"+1646N######"},
		freemail: []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com"}, tld: "com",
		legal: []string{"%s Inc.", "%s LLC", "%s Corp.", "%s"}, partners: "%s & Partners", brands: latinBrands},
	{tag: "en-GB", country: "GB", weight: 7, currency: "GBP", perEUR: 0.85, names: english,
		cities: []city{
			{name: "London", region: "England", postal: "EC#@ #@@", landline: "+44207#######"},
			{name: "London", region: "England", postal: "SW# #@@", landline: "+44203#######"},
			{name: "Manchester", region: "England", postal: "M# #@@"},
			{name: "Birmingham", region: "England", postal: "B# #@@"},
			{name: "Leeds", region: "England", postal: "LS# #@@"},
			{name: "Edinburgh", region: "Scotland", postal: "EH# #@@"},
			{name: "Glasgow", region: "Scotland", postal: "G# #@@"},
			{name: "Bristol", region: "England", postal: "BS# #@@"},
			{name: "Cardiff", region: "Wales", postal: "CF# #@@"},
		},
		streets: englishStreets, streetFmt: "%[2]d %[1]s",
		mobiles:  []string{"+4473########", "+4474########", "+4478########", "+44771#######", "+44795#######"},
		freemail: []string{"gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk"}, tld: "co.uk",
		legal: []string{"%s Ltd", "%s PLC", "%s Ltd"}, partners: "%s & Partners", brands: latinBrands},
	{tag: "en-CA", country: "CA", weight: 2, currency: "CAD", perEUR: 1.5, names: english,
		cities: []city{
			{name: "Toronto", region: "ON", postal: "M#@ #@#", mobile: "+1416N######"},
			{name: "Vancouver", region: "BC", postal: "V6@ #@#", mobile: "+1604N######"},
			{name: "Montréal", region: "QC", postal: "H#@ #@#", mobile: "+1514N######"},
			{name: "Calgary", region: "AB", postal: "T2@ #@#", mobile: "+1403N######"},
			{name: "Ottawa", region: "ON", postal: "K1@ #@#", mobile: "+1613N######"},
			{name: "Edmonton", region: "AB", postal: "T5@ #@#", mobile: "+1780N######"},
		},
		streets: englishStreets, streetFmt: "%[2]d %[1]s", mobiles: []string{"+1416N######"},
		freemail: []string{"gmail.com", "rogers.com", "outlook.com", "shaw.ca"}, tld: "ca",
		legal: []string{"%s Inc.", "%s Ltd.", "%s Corp."}, partners: "%s & Partners", brands: latinBrands},
	{tag: "en-AU", country: "AU", weight: 2, currency: "AUD", perEUR: 1.7, names: english,
		cities: []city{
			{name: "Sydney", region: "NSW", postal: "20##", landline: "+6129#######"},
			{name: "Melbourne", region: "VIC", postal: "30##", landline: "+6139#######"},
			{name: "Brisbane", region: "QLD", postal: "40##"},
			{name: "Perth", region: "WA", postal: "60##"},
			{name: "Adelaide", region: "SA", postal: "50##"},
		},
		streets: englishStreets, streetFmt: "%[2]d %[1]s", mobiles: []string{"+6140#######", "+6141#######", "+6143#######"},
		freemail: []string{"gmail.com", "bigpond.com", "outlook.com"}, tld: "com.au",
		legal: []string{"%s Pty Ltd", "%s Pty Ltd", "%s Ltd"}, partners: "%s & Partners", brands: latinBrands},
	{tag: "en-IE", country: "IE", weight: 1, currency: "EUR", perEUR: 1, names: english,
		cities: []city{
			{name: "Dublin", region: "Co. Dublin", postal: "D0# @###", landline: "+3531#######"},
			{name: "Cork", region: "Co. Cork", postal: "T12 @###"},
			{name: "Galway", region: "Co. Galway", postal: "H91 @###"},
			{name: "Limerick", region: "Co. Limerick", postal: "V94 @###"},
		},
		streets: englishStreets, streetFmt: "%[2]d %[1]s",
		mobiles:  []string{"+35383#######", "+35385#######", "+35386#######", "+35387#######", "+35389#######"},
		freemail: []string{"gmail.com", "eircom.net", "outlook.com"}, tld: "ie",
		legal: []string{"%s Ltd", "%s DAC", "%s Ltd"}, partners: "%s & Partners", brands: latinBrands},
	{tag: "de", country: "DE", weight: 8, currency: "EUR", perEUR: 1, names: german, translit: germanSpelling,
		cities: []city{
			{name: "Berlin", region: "Berlin", postal: "10###", landline: "+4930########"},
			{name: "Hamburg", region: "Hamburg", postal: "20###"},
			{name: "München", region: "Bayern", postal: "80###", landline: "+4989#######"},
			{name: "Köln", region: "Nordrhein-Westfalen", postal: "50###"},
			{name: "Frankfurt am Main", region: "Hessen", postal: "60###"},
			{name: "Stuttgart", region: "Baden-Württemberg", postal: "70###"},
			{name: "Düsseldorf", region: "Nordrhein-Westfalen", postal: "40###"},
			{name: "Leipzig", region: "Sachsen", postal: "04###"},
			{name: "Dresden", region: "Sachsen", postal: "01###"},
			{name: "Nürnberg", region: "Bayern", postal: "90###"},
		},
		streets: germanStreets, streetFmt: "%s %d",
		mobiles: []string{"+49151########", "+49152########", "+49157########", "+49160#######", "+49162########",
			"+49170#######", "+49171#######", "+49172#######", "+49175#######", "+49176########", "+49177########", "+49179########"},
		freemail: []string{"gmail.com", "web.de", "gmx.de", "t-online.de"}, tld: "de",
		legal: []string{"%s GmbH", "%s AG", "%s GmbH & Co. KG", "%s GmbH"}, partners: "%s & Partner", brands: latinBrands},
	{tag: "de-AT", country: "AT", weight: 1, currency: "EUR", perEUR: 1, names: german, translit: germanSpelling,
		cities: []city{
			{name: "Wien", region: "Wien", postal: "1###", landline: "+4312######"},
			{name: "Graz", region: "Steiermark", postal: "80##"},
			{name: "Linz", region: "Oberösterreich", postal: "40##"},
			{name: "Salzburg", region: "Salzburg", postal: "50##"},
			{name: "Innsbruck", region: "Tirol", postal: "60##"},
		},
		streets: germanStreets, streetFmt: "%s %d", mobiles: []string{"+43660#######", "+43664#######", "+43676#######", "+43699########"},
		freemail: []string{"gmx.at", "gmail.com", "aon.at"}, tld: "at",
		legal: []string{"%s GmbH", "%s AG", "%s KG"}, partners: "%s & Partner", brands: latinBrands},
	{tag: "de-CH", country: "CH", weight: 1, currency: "CHF", perEUR: 0.95, names: german, translit: germanSpelling,
		cities: []city{
			{name: "Zürich", region: "ZH", postal: "80##", landline: "+4144#######"},
			{name: "Basel", region: "BS", postal: "40##"},
			{name: "Bern", region: "BE", postal: "30##"},
			{name: "Luzern", region: "LU", postal: "60##"},
			{name: "St. Gallen", region: "SG", postal: "90##"},
		},
		streets: germanStreets, streetFmt: "%s %d", mobiles: []string{"+4176#######", "+4177#######", "+4178#######", "+4179#######"},
		freemail: []string{"bluewin.ch", "gmail.com", "gmx.ch"}, tld: "ch",
		legal: []string{"%s AG", "%s GmbH", "%s AG"}, partners: "%s & Partner", brands: latinBrands},
	{tag: "fr", country: "FR", weight: 7, currency: "EUR", perEUR: 1, names: french,
		cities: []city{
			{name: "Paris", region: "Île-de-France", postal: "750##", landline: "+331########"},
			{name: "Lyon", region: "Auvergne-Rhône-Alpes", postal: "6900#"},
			{name: "Marseille", region: "Provence-Alpes-Côte d'Azur", postal: "130##"},
			{name: "Toulouse", region: "Occitanie", postal: "310##"},
			{name: "Bordeaux", region: "Nouvelle-Aquitaine", postal: "330##"},
			{name: "Lille", region: "Hauts-de-France", postal: "590##"},
			{name: "Nantes", region: "Pays de la Loire", postal: "440##"},
			{name: "Strasbourg", region: "Grand Est", postal: "670##"},
			{name: "Nice", region: "Provence-Alpes-Côte d'Azur", postal: "060##"},
			{name: "Rennes", region: "Bretagne", postal: "350##"},
		},
		streets: frenchStreets, streetFmt: "%[2]d %[1]s",
		mobiles:  []string{"+3360#######", "+3361#######", "+3362#######", "+3365#######", "+3366#######", "+3367#######", "+3368#######", "+3375#######", "+3377#######", "+3378#######"},
		freemail: []string{"gmail.com", "orange.fr", "free.fr", "laposte.net", "wanadoo.fr"}, tld: "fr",
		legal: []string{"%s SA", "%s SAS", "%s SARL"}, partners: "%s & Associés", brands: latinBrands},
	{tag: "fr-BE", country: "BE", weight: 1, currency: "EUR", perEUR: 1, names: french,
		cities: []city{
			{name: "Bruxelles", region: "Bruxelles-Capitale", postal: "10##", landline: "+3222######"},
			{name: "Liège", region: "Wallonie", postal: "40##"},
			{name: "Namur", region: "Wallonie", postal: "50##"},
			{name: "Charleroi", region: "Wallonie", postal: "60##"},
		},
		streets: frenchStreets, streetFmt: "%s %d", mobiles: []string{"+32470######", "+32475######", "+32486######", "+32495######"},
		freemail: []string{"skynet.be", "gmail.com", "telenet.be"}, tld: "be",
		legal: []string{"%s SA", "%s SRL", "%s SA"}, partners: "%s & Associés", brands: latinBrands},
	{tag: "es", country: "ES", weight: 5, currency: "EUR", perEUR: 1, names: spanish, doubleSurname: true,
		cities: []city{
			{name: "Madrid", region: "Comunidad de Madrid", postal: "280##", landline: "+3491#######"},
			{name: "Barcelona", region: "Cataluña", postal: "080##"},
			{name: "Valencia", region: "Comunidad Valenciana", postal: "460##"},
			{name: "Sevilla", region: "Andalucía", postal: "410##"},
			{name: "Zaragoza", region: "Aragón", postal: "500##"},
			{name: "Málaga", region: "Andalucía", postal: "290##"},
			{name: "Bilbao", region: "País Vasco", postal: "480##"},
			{name: "Palma", region: "Islas Baleares", postal: "070##"},
		},
		streets: spanishStreets, streetFmt: "%s, %d", mobiles: []string{"+346########", "+3471#######", "+3472#######"},
		freemail: []string{"gmail.com", "hotmail.es", "yahoo.es", "telefonica.net"}, tld: "es",
		legal: []string{"%s S.L.", "%s S.A.", "%s S.L."}, partners: "%s y Asociados", brands: latinBrands},
	{tag: "es-MX", country: "MX", weight: 3, currency: "MXN", perEUR: 19, names: spanish, doubleSurname: true,
		cities: []city{
			{name: "Ciudad de México", region: "CDMX", postal: "06###", mobile: "+5255########"},
			{name: "Guadalajara", region: "Jalisco", postal: "44###", mobile: "+5233########"},
			{name: "Monterrey", region: "Nuevo León", postal: "64###", mobile: "+5281########"},
			{name: "Zapopan", region: "Jalisco", postal: "45###", mobile: "+5233########"},
			{name: "San Pedro Garza García", region: "Nuevo León", postal: "66###", mobile: "+5281########"},
		},
		streets: mexicanStreets, streetFmt: "%s %d", mobiles: []string{"+5255########"},
		freemail: []string{"gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com"}, tld: "com.mx",
		legal: []string{"%s S.A. de C.V.", "%s S. de R.L. de C.V.", "%s S.A.P.I. de C.V."}, partners: "%s y Asociados", brands: latinBrands},
	{tag: "pt-PT", country: "PT", weight: 2, currency: "EUR", perEUR: 1, names: portuguese,
		cities: []city{
			{name: "Lisboa", region: "Lisboa", postal: "1###-###", landline: "+35121#######"},
			{name: "Porto", region: "Porto", postal: "4###-###"},
			{name: "Braga", region: "Braga", postal: "47##-###"},
			{name: "Coimbra", region: "Coimbra", postal: "30##-###"},
			{name: "Faro", region: "Faro", postal: "80##-###"},
		},
		streets: portugueseStreets, streetFmt: "%s, %d", mobiles: []string{"+35191#######", "+35192#######", "+35193#######", "+35196#######"},
		freemail: []string{"gmail.com", "sapo.pt", "hotmail.com"}, tld: "pt",
		legal: []string{"%s, Lda.", "%s, S.A.", "%s, Lda."}, partners: "%s & Associados", brands: latinBrands},
	{tag: "pt-BR", country: "BR", weight: 5, currency: "BRL", perEUR: 6, names: portuguese,
		cities: []city{
			{name: "São Paulo", region: "SP", postal: "0####-###", mobile: "+55119########", landline: "+551130######"},
			{name: "Rio de Janeiro", region: "RJ", postal: "2####-###", mobile: "+55219########", landline: "+552130######"},
			{name: "Belo Horizonte", region: "MG", postal: "3####-###", mobile: "+55319########"},
			{name: "Curitiba", region: "PR", postal: "8####-###", mobile: "+55419########"},
			{name: "Porto Alegre", region: "RS", postal: "9####-###", mobile: "+55519########"},
			{name: "Brasília", region: "DF", postal: "70###-###", mobile: "+55619########"},
		},
		streets: brazilianStreets, streetFmt: "%s, %d", mobiles: []string{"+55119########"},
		freemail: []string{"gmail.com", "hotmail.com", "uol.com.br", "bol.com.br", "yahoo.com.br"}, tld: "com.br",
		legal: []string{"%s Ltda.", "%s S.A.", "%s Ltda."}, partners: "%s & Associados", brands: latinBrands},
	{tag: "it", country: "IT", weight: 4, currency: "EUR", perEUR: 1, names: italian,
		cities: []city{
			{name: "Roma", region: "Lazio", postal: "001##", landline: "+3906########"},
			{name: "Milano", region: "Lombardia", postal: "201##"},
			{name: "Napoli", region: "Campania", postal: "801##"},
			{name: "Torino", region: "Piemonte", postal: "101##"},
			{name: "Bologna", region: "Emilia-Romagna", postal: "401##"},
			{name: "Firenze", region: "Toscana", postal: "501##"},
			{name: "Palermo", region: "Sicilia", postal: "901##"},
		},
		streets: italianStreets, streetFmt: "%s, %d", mobiles: []string{"+39320#######", "+39333#######", "+39338#######", "+39347#######"},
		freemail: []string{"gmail.com", "libero.it", "virgilio.it", "alice.it"}, tld: "it",
		legal: []string{"%s S.r.l.", "%s S.p.A.", "%s S.r.l."}, partners: "%s & Partners", brands: latinBrands},
	{tag: "pl", country: "PL", weight: 4, currency: "PLN", perEUR: 4.3, names: polish,
		cities: []city{
			{name: "Warszawa", region: "mazowieckie", postal: "0#-###", landline: "+4822#######"},
			{name: "Kraków", region: "małopolskie", postal: "3#-###"},
			{name: "Wrocław", region: "dolnośląskie", postal: "5#-###"},
			{name: "Poznań", region: "wielkopolskie", postal: "6#-###"},
			{name: "Gdańsk", region: "pomorskie", postal: "80-###"},
			{name: "Łódź", region: "łódzkie", postal: "9#-###"},
			{name: "Katowice", region: "śląskie", postal: "40-###"},
		},
		streets: polishStreets, streetFmt: "%s %d",
		mobiles:  []string{"+4850#######", "+4851#######", "+4853#######", "+4857#######", "+4860#######", "+4866#######", "+4869#######", "+4872#######", "+4879#######", "+4888#######"},
		freemail: []string{"gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"}, tld: "pl",
		legal: []string{"%s Sp. z o.o.", "%s S.A.", "%s Sp. z o.o."}, partners: "%s i Wspólnicy", brands: latinBrands},
	{tag: "cs", country: "CZ", weight: 2, currency: "CZK", perEUR: 25, names: czech,
		cities: []city{
			{name: "Praha", region: "Hlavní město Praha", postal: "1## ##", landline: "+4202########"},
			{name: "Brno", region: "Jihomoravský kraj", postal: "6## ##"},
			{name: "Ostrava", region: "Moravskoslezský kraj", postal: "7## ##"},
			{name: "Plzeň", region: "Plzeňský kraj", postal: "3## ##"},
			{name: "Olomouc", region: "Olomoucký kraj", postal: "77# ##"},
			{name: "Liberec", region: "Liberecký kraj", postal: "46# ##"},
		},
		streets: czechStreets, streetFmt: "%s %d",
		mobiles:  []string{"+420601######", "+420603######", "+420605######", "+420608######", "+42072#######", "+42073#######", "+42077#######", "+42079#######"},
		freemail: []string{"seznam.cz", "gmail.com", "email.cz", "centrum.cz"}, tld: "cz",
		legal: []string{"%s s.r.o.", "%s a.s.", "%s s.r.o."}, partners: "%s a partneři", brands: latinBrands},
	{tag: "tr", country: "TR", weight: 3, currency: "TRY", perEUR: 45, names: turkish,
		cities: []city{
			{name: "İstanbul", region: "İstanbul", postal: "34###", landline: "+90212#######"},
			{name: "Ankara", region: "Ankara", postal: "06###"},
			{name: "İzmir", region: "İzmir", postal: "35###"},
			{name: "Bursa", region: "Bursa", postal: "16###"},
			{name: "Antalya", region: "Antalya", postal: "07###"},
		},
		streets: turkishStreets, streetFmt: "%s No: %d",
		mobiles:  []string{"+90505#######", "+90530#######", "+90532#######", "+90533#######", "+90535#######", "+90542#######", "+90555#######"},
		freemail: []string{"gmail.com", "hotmail.com", "yandex.com.tr", "outlook.com"}, tld: "com.tr",
		legal: []string{"%s A.Ş.", "%s Ltd. Şti.", "%s A.Ş."}, partners: "%s ve Ortakları", brands: latinBrands},
	{tag: "vi", country: "VN", weight: 3, currency: "USD", perEUR: 1.1, names: vietnamese, familyFirst: true,
		cities: []city{
			{name: "Hà Nội", region: "Hà Nội", postal: "1####"},
			{name: "Thành phố Hồ Chí Minh", region: "Thành phố Hồ Chí Minh", postal: "7####"},
			{name: "Đà Nẵng", region: "Đà Nẵng", postal: "5####"},
			{name: "Hải Phòng", region: "Hải Phòng", postal: "04###"},
			{name: "Cần Thơ", region: "Cần Thơ", postal: "94###"},
		},
		streets: vietnameseStreets, streetFmt: "%[2]d %[1]s",
		mobiles:  []string{"+8432#######", "+8433#######", "+8470#######", "+8486#######", "+8490#######", "+8491#######", "+8497#######", "+8498#######"},
		freemail: []string{"gmail.com", "yahoo.com.vn", "outlook.com"}, tld: "vn",
		legal: []string{"Công ty TNHH %s", "Công ty Cổ phần %s", "Công ty TNHH %s"}, partners: "%s & Cộng sự", brands: vietnameseBrands},
	{tag: "sv", country: "SE", weight: 2, currency: "SEK", perEUR: 11, names: swedish,
		cities: []city{
			{name: "Stockholm", region: "Stockholms län", postal: "11# ##", landline: "+468#######"},
			{name: "Göteborg", region: "Västra Götalands län", postal: "41# ##"},
			{name: "Malmö", region: "Skåne län", postal: "21# ##"},
			{name: "Uppsala", region: "Uppsala län", postal: "75# ##"},
			{name: "Västerås", region: "Västmanlands län", postal: "72# ##"},
		},
		streets: swedishStreets, streetFmt: "%s %d", mobiles: []string{"+4670#######", "+4672#######", "+4673#######", "+4676#######", "+4679#######"},
		freemail: []string{"gmail.com", "telia.com", "hotmail.se", "outlook.com"}, tld: "se",
		legal: []string{"%s AB", "%s AB", "%s Handelsbolag"}, partners: "%s & Partners", brands: latinBrands},
	{tag: "nb", country: "NO", weight: 1, currency: "NOK", perEUR: 11.5, names: norwegian,
		translit: map[rune]string{'æ': "ae", 'ø': "o", 'å': "a"},
		cities: []city{
			{name: "Oslo", region: "Oslo", postal: "0###", landline: "+4722######"},
			{name: "Bergen", region: "Vestland", postal: "50##"},
			{name: "Trondheim", region: "Trøndelag", postal: "70##"},
			{name: "Stavanger", region: "Rogaland", postal: "40##"},
			{name: "Tromsø", region: "Troms", postal: "90##"},
		},
		streets: norwegianStreets, streetFmt: "%s %d",
		mobiles:  []string{"+4740######", "+4741######", "+4745######", "+4746######", "+4748######", "+4790######", "+4792######", "+4795######", "+4798######"},
		freemail: []string{"gmail.com", "online.no", "hotmail.no"}, tld: "no",
		legal: []string{"%s AS", "%s ASA", "%s AS"}, partners: "%s & Co", brands: latinBrands},
	{tag: "da", country: "DK", weight: 1, currency: "DKK", perEUR: 7.5, names: danish, translit: danishSpelling,
		cities: []city{
			{name: "København", region: "Hovedstaden", postal: "1###", landline: "+4533N#####"},
			{name: "Aarhus", region: "Midtjylland", postal: "80##", landline: "+4570N#####"},
			{name: "Odense", region: "Syddanmark", postal: "50##"},
			{name: "Aalborg", region: "Nordjylland", postal: "90##"},
		},
		streets: danishStreets, streetFmt: "%s %d", mobiles: []string{"+4526######", "+4527######", "+4528######"},
		freemail: []string{"gmail.com", "jubii.dk", "hotmail.dk"}, tld: "dk",
		legal: []string{"%s A/S", "%s ApS", "%s A/S"}, partners: "%s & Co", brands: latinBrands},
	{tag: "fi", country: "FI", weight: 1, currency: "EUR", perEUR: 1, names: finnish,
		cities: []city{
			{name: "Helsinki", region: "Uusimaa", postal: "00###"},
			{name: "Espoo", region: "Uusimaa", postal: "02###"},
			{name: "Tampere", region: "Pirkanmaa", postal: "33###"},
			{name: "Turku", region: "Varsinais-Suomi", postal: "20###"},
			{name: "Oulu", region: "Pohjois-Pohjanmaa", postal: "90###"},
		},
		streets: finnishStreets, streetFmt: "%s %d", mobiles: []string{"+35840#######", "+35841#######", "+35844#######", "+35850#######"},
		freemail: []string{"gmail.com", "luukku.com", "hotmail.fi"}, tld: "fi",
		legal: []string{"%s Oy", "%s Oyj", "%s Oy"}, partners: "%s & Kumppanit", brands: latinBrands},
	{tag: "ru", country: "RU", weight: 6, currency: "RUB", perEUR: 95, names: russian, translit: russianSpelling,
		cities: []city{
			{name: "Москва", region: "Москва", postal: "1#####", landline: "+7495#######"},
			{name: "Санкт-Петербург", region: "Санкт-Петербург", postal: "19####"},
			{name: "Новосибирск", region: "Новосибирская область", postal: "630###"},
			{name: "Екатеринбург", region: "Свердловская область", postal: "620###"},
			{name: "Казань", region: "Республика Татарстан", postal: "420###"},
			{name: "Нижний Новгород", region: "Нижегородская область", postal: "603###"},
		},
		streets: russianStreets, streetFmt: "%s, д. %d",
		mobiles:  []string{"+7903#######", "+7912#######", "+7916#######", "+7926#######", "+7985#######", "+7999#######"},
		freemail: []string{"yandex.ru", "mail.ru", "gmail.com", "rambler.ru"}, tld: "ru",
		legal: []string{"ООО «%s»", "АО «%s»", "ООО «%s»"}, partners: "%s и партнёры", brands: russianBrands},
	{tag: "uk", country: "UA", weight: 3, currency: "UAH", perEUR: 45, names: ukrainian, translit: ukrainianSpelling,
		cities: []city{
			{name: "Київ", region: "Київ", postal: "0####", landline: "+38044#######"},
			{name: "Харків", region: "Харківська область", postal: "61###"},
			{name: "Одеса", region: "Одеська область", postal: "65###"},
			{name: "Львів", region: "Львівська область", postal: "79###"},
			{name: "Дніпро", region: "Дніпропетровська область", postal: "49###"},
		},
		streets: ukrainianStreets, streetFmt: "%s, %d",
		mobiles: []string{"+38050#######", "+38063#######", "+38066#######", "+38067#######", "+38068#######", "+38073#######",
			"+38093#######", "+38095#######", "+38096#######", "+38097#######", "+38098#######", "+38099#######"},
		freemail: []string{"ukr.net", "gmail.com", "i.ua", "meta.ua"}, tld: "com.ua",
		legal: []string{"ТОВ «%s»", "ПрАТ «%s»", "ТОВ «%s»"}, partners: "%s і партнери", brands: ukrainianBrands},
	{tag: "bg", country: "BG", weight: 2, currency: "EUR", perEUR: 1, names: bulgarian, translit: bulgarianSpelling,
		cities: []city{
			{name: "София", region: "София-град", postal: "1###", landline: "+35929######"},
			{name: "Пловдив", region: "Пловдив", postal: "40##"},
			{name: "Варна", region: "Варна", postal: "90##"},
			{name: "Бургас", region: "Бургас", postal: "80##"},
			{name: "Русе", region: "Русе", postal: "70##"},
		},
		streets: bulgarianStreets, streetFmt: "%s %d", mobiles: []string{"+35987#######", "+35988#######", "+35989#######", "+35998#######"},
		freemail: []string{"abv.bg", "gmail.com", "mail.bg"}, tld: "bg",
		legal: []string{"%s ЕООД", "%s ООД", "%s АД"}, partners: "%s и партньори", brands: bulgarianBrands},
}
