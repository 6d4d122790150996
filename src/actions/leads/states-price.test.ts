import { describe, expect, it } from 'vitest';
import { statesPrice } from './states-price.js';

describe('statesPrice', () => {
  describe('finds a currency next to a number', () => {
    it.each([
      'The 2-bedroom starts at $1.2M.',
      'Prices start from AED 2,500,000.',
      "It's listed at 2.5M dirhams.",
      'We have one at € 900k.',
      'USD 850,000 for the penthouse',
      'around 850,000 USD',
      '$ 950,000',
      'AED2.5M',
      '850,000AED',
      'AED 2.5 million',
      '2.5 million AED',
      'The unit is priced at AED 3,250,000 with a 60/40 plan.',
      'Villas from AED 4.5M, handover Q4 2026.',
      'Service charge is AED 18 per sq ft.',
      'Rent: 95,000 AED/year',
      '50 lakh rupees',
      'USD: 850,000',
      'AED\u00a02,500,000',
      'Prices from £650,000 in London',
      'AED two million',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(true);
    });
  });

  describe('finds amounts with million, k, m and their kin', () => {
    it.each([
      'The villa is 3.2 million.',
      'roughly 900k',
      'Penthouse: 12M',
      'It costs 2.5m',
      'around 1.5 crore',
      '2.5mn',
      '3 bn',
      'the price is around 1.2 million',
      'about 850 thousand',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(true);
    });
  });

  describe('finds amounts in words', () => {
    it.each([
      'two million dirhams',
      'half a million dollars',
      'one and a half million',
      'It sold for two point five million dirhams',
      'ninety-nine million',
      'five hundred thousand dirhams',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(true);
    });
  });

  describe('finds prices per area and per period, and large amounts after price words', () => {
    it.each([
      'priced at 1,850 per sq ft',
      'about 1,500 per square foot',
      'AED 1,200/sq ft',
      '1,800 psf',
      'from 2,100 per sq. ft',
      'rent is 120,000 per year',
      'around 7,500 a month',
      'The price is 2,500,000.',
      'The asking price: 4.200.000',
      'valued at 7,000,000',
      '2,500,000',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(true);
    });
  });

  describe('finds prices in Portuguese and Spanish', () => {
    it.each([
      'R$ 500 mil',
      'R$500mil',
      'US$ 1,2 milhão',
      'US$1,2 milhão',
      'A partir de R$ 850.000',
      'a partir de 2,5 milhões de reais',
      'dois milhões de dirhams',
      'meio milhão de dólares',
      'por 850 mil',
      '€ 900 mil',
      'o preço é 1.200.000',
      'Preço: 1.350.000',
      'custa 3 milhões',
      'um milhão de dirhams',
      '1.500 dirhams por pé quadrado',
      '9.000 por metro quadrado',
      'aluguel de 12.000 por mês',
      '2 millones de dólares',
      'cuesta 1.200.000',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(true);
    });
  });

  describe('finds prices in Arabic, with Arabic-Indic digits too', () => {
    it.each([
      'السعر د.إ 1,000,000',
      'د.إ 1,000,000',
      '1,000,000 د.إ',
      'السعر ٢٬٥٠٠٬٠٠٠ درهم',
      'بسعر 1.2 مليون درهم',
      'مليوني درهم',
      'بمليوني درهم',
      'مليون درهم فقط',
      'ثلاثة ملايين درهم',
      'يبدأ من ٣ ملايين درهم',
      'يبدأ السعر من 900 ألف درهم',
      '2.5 مليون',
      'السعر يبدأ من 1,500,000',
      '1,500 درهم للقدم المربع',
      'ألفي درهماً', // two thousand dirhams, with tanween
      '500 دولار',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(true);
    });
  });

  describe('lets plain numbers through', () => {
    it.each([
      'This unit has 3 bedrooms and 2 bathrooms.',
      'Hi! I can help with 1, 2 and 3 bedroom apartments in JVC.',
      'Handover is expected in Q3 2027.',
      'Handover: Q2 2028. Payment plan: 20% on booking, 80% on handover.',
      'It is on floor 24 with a sea view.',
      'We have 12 units left on floors 30 to 40.',
      'Dubai Marina, tower 3, 45 floors',
      'The building has 45 floors and 320 units.',
      'Completion 2026.',
      'Prices will be shared in 2026.',
      'Call us on +971 50 123 4567.',
      'Call +1 (312) 555-0199',
      'You can reach Sara on 055 123 4567 or +971 4 555 0100.',
      'Payment plan within 6 months',
      'The payment plan is 60/40.',
      '10% down payment',
      'Viewing at 10:00 tomorrow.',
      'open from 9:30 to 18:00',
      'Please visit us at 10:30am.',
      'Our office is open 9 to 6, Sunday to Thursday.',
      'Unit 1204, building 7',
      'Address: Office 1203, Tower B, Business Bay',
      'Reference number 2024-118',
      'Meeting on 12.05.2026',
      'Our agent will send the price list.',
      'Let me connect you with an agent for pricing details.',
      'Send me your budget and I will check.',
      'A thousand thanks for your patience!',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(false);
    });
  });

  describe('lets areas, distances and counts through', () => {
    it.each([
      'The apartment is 1,200 sq ft.',
      'a 2,400 sq ft villa with 4 bedrooms',
      'Size ranges from 750 to 1,450 sq ft.',
      'The plot is 10,000 sq ft.',
      'The 2BR is 1,250 sq.ft.',
      'Studio of 450 sq ft on the 12th floor',
      'Plot of 5,000 m²',
      'The community has 3 parks and 250,000,000 sq ft of land',
      'The price for 1,200 sq ft units depends on the floor.',
      'The building has 2 million sq ft of offices',
      'The project spans 1.2 million square feet.',
      'Over 1 million visitors a year',
      'The tower is 200m from the metro.',
      'It is 1.5m from the beach',
      'We are 5 minutes from Dubai Mall, 300 m from the metro',
      'Ceiling height 3.2m high',
      'It is 2.5 km from the Marina.',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(false);
    });
  });

  describe('lets plain numbers through in Portuguese', () => {
    it.each([
      '3 quartos e 2 banheiros',
      'Apartamento de 3 quartos, 120 m², no 15º andar.',
      'entrega no 3º trimestre de 2027',
      'Entrega em dois mil e vinte e sete.',
      'andar 24',
      '120 m²',
      'área de 1.200 pés quadrados',
      'prazo de 6 meses',
      'às 10:00',
      'ligue para +55 11 99999-9999',
      'O preço será informado pelo corretor.',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(false);
    });
  });

  describe('lets plain numbers through in Arabic', () => {
    it.each([
      '3 غرف نوم وحمامان',
      'شقة من ٣ غرف نوم',
      'الطابق 24',
      'التسليم في الربع الثالث 2027',
      'التسليم في 2027 وخطة الدفع 60/40',
      'اتصل على \u200e+971 50 123 4567',
      'المساحة 1,200 قدم مربع',
      'شقة من غرفتي نوم في الطابق 15 بمساحة 1,100 قدم مربع',
      'الموعد الساعة 10:00',
      'سيتواصل معك الوكيل بخصوص السعر',
    ])('%s', (text) => {
      expect(statesPrice(text)).toBe(false);
    });
  });

  it('answers quickly on long replies that repeat number words', () => {
    const started = performance.now();
    for (const text of ['two '.repeat(5000), 'ثلاثة '.repeat(3000), 'a-'.repeat(5000), '1,'.repeat(5000), 'price '.repeat(3000)]) {
      statesPrice(text);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
